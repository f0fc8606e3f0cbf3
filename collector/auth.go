package collector

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// keyRefresh is how often the server rereads the keys from the store, so
// that a key created or revoked on another replica takes effect here.
const keyRefresh = 10 * time.Second

// NewSecret returns a new random API secret with a prefix saying its kind
// ("rk_admin_", "rk_ingest_").
func NewSecret(kind string) string {
	var b [32]byte
	rand.Read(b[:])
	return "rk_" + kind + "_" + base64.RawURLEncoding.EncodeToString(b[:])
}

// keyring caches the active keys for authentication.
type keyring struct {
	store KeyStore
	now   func() time.Time

	mu     sync.Mutex
	keys   []Key // active only
	loaded time.Time
	// started numbers the reloads; applied is the newest one applied: a
	// reload that started earlier read older keys and must not overwrite
	// a later one's (pushed changes reload concurrently).
	started atomic.Int64
	applied int64
}

func (r *keyring) reload(ctx context.Context) error {
	seq := r.started.Add(1)
	ks, err := r.store.Keys(ctx)
	if err != nil {
		return err
	}
	active := ks[:0]
	for _, k := range ks {
		if k.RevokedAt.IsZero() {
			active = append(active, k)
		}
	}
	r.mu.Lock()
	if seq > r.applied {
		r.keys, r.loaded, r.applied = active, r.now(), seq
	}
	r.mu.Unlock()
	return nil
}

// lookup finds the active key whose secret is token. It compares the
// token's hash with every key's in constant time, without stopping at a
// match, so the time taken says nothing about which key matched.
func (r *keyring) lookup(ctx context.Context, token string) (Key, bool) {
	r.mu.Lock()
	stale := r.now().Sub(r.loaded) > keyRefresh
	r.mu.Unlock()
	if stale {
		_ = r.reload(ctx) // on a store error, go on with the cached keys
	}
	sum := HashSecret(token)
	want, _ := hex.DecodeString(sum)
	r.mu.Lock()
	defer r.mu.Unlock()
	var found Key
	match := 0
	for _, k := range r.keys {
		have, err := hex.DecodeString(k.Hash)
		if err != nil || len(have) != len(want) {
			continue
		}
		if subtle.ConstantTimeCompare(have, want) == 1 {
			found = k
			match = 1
		}
	}
	return found, match == 1
}

// bearer returns the token of an Authorization: Bearer header.
func bearer(req *http.Request) string {
	h := req.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// authenticate returns the key of the request, or an unauthorized or
// forbidden error. kinds are the key kinds allowed.
func (s *Server) authenticate(req *http.Request, kinds ...string) (Key, error) {
	tok := bearer(req)
	if tok == "" {
		return Key{}, Errorf(EUnauthorized, "missing Authorization: Bearer <key>")
	}
	if len(tok) > 512 {
		return Key{}, Errorf(EUnauthorized, "unknown or revoked key")
	}
	k, ok := s.keys.lookup(req.Context(), tok)
	if !ok {
		return Key{}, Errorf(EUnauthorized, "unknown or revoked key")
	}
	for _, kind := range kinds {
		if k.Kind == kind {
			return k, nil
		}
	}
	return Key{}, Errorf(EForbidden, "a %s key may not do this", k.Kind)
}

// Bootstrap seeds the credentials at start. A non-empty adminToken
// (RAMPART_ADMIN_TOKEN) becomes the admin key "admin"; each of ingestKeys
// (RAMPART_INGEST_KEYS) an ingest key. With no adminToken and no active
// admin key in the store, it creates one and returns its secret, for the
// caller to print once; otherwise it returns "".
func (s *Server) Bootstrap(ctx context.Context, adminToken string, ingestKeys []string) (string, error) {
	now := s.now().UTC()
	created := ""
	if adminToken != "" {
		if err := s.store.PutKey(ctx, Key{ID: "admin", Name: "RAMPART_ADMIN_TOKEN", Kind: KeyAdmin, Hash: HashSecret(adminToken), CreatedAt: now}); err != nil {
			return "", err
		}
	} else {
		ks, err := s.store.Keys(ctx)
		if err != nil {
			return "", err
		}
		have, admins := false, 0
		for _, k := range ks {
			if k.Kind == KeyAdmin {
				admins++
				have = have || k.RevokedAt.IsZero()
			}
		}
		if !have {
			// One atomic insert: of replicas starting together on a fresh
			// database, one creates the token and prints it; the others
			// find it there. Revoked admin tokens are replaced by a new one
			// under the next id, the same for every replica.
			token := NewSecret(KeyAdmin)
			id := "admin"
			if admins > 0 {
				id = "admin_" + strconv.Itoa(admins)
			}
			added, err := s.store.AddKey(ctx, Key{ID: id, Name: "first start", Kind: KeyAdmin, Hash: HashSecret(token), CreatedAt: now})
			if err != nil {
				return "", err
			}
			if added {
				created = token
			}
		}
	}
	for _, k := range ingestKeys {
		if k = strings.TrimSpace(k); k == "" {
			continue
		}
		// Added once: a seeded key that was revoked (through the API or
		// the UI) stays revoked when a replica restarts with it.
		h := HashSecret(k)
		if _, err := s.store.AddKey(ctx, Key{ID: "env_" + h[:12], Name: "RAMPART_INGEST_KEYS", Kind: KeyIngest, Hash: h, CreatedAt: now}); err != nil {
			return "", err
		}
	}
	return created, s.keys.reload(ctx)
}
