package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/rampartsec/rampart/collector"
)

// The web UI's accounts and sessions, in the tables ui_users and
// ui_sessions (migration 4).

// UIUsers returns the UI's users by login, without their password hashes.
func (s *Store) UIUsers(ctx context.Context) ([]collector.UIUser, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, login, role, created_at FROM ui_users ORDER BY login`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []collector.UIUser
	for rows.Next() {
		var u collector.UIUser
		var c int64
		if err := rows.Scan(&u.ID, &u.Login, &u.Role, &c); err != nil {
			return nil, err
		}
		u.CreatedAt = time.Unix(0, c).UTC()
		out = append(out, u)
	}
	return out, rows.Err()
}

// UIUser returns the UI's user with the id, or a not_found error.
func (s *Store) UIUser(ctx context.Context, id string) (*collector.UIUser, error) {
	return s.uiUser(ctx, `id`, id)
}

// UIUserByLogin returns the UI's user with the login, or a not_found
// error.
func (s *Store) UIUserByLogin(ctx context.Context, login string) (*collector.UIUser, error) {
	return s.uiUser(ctx, `login`, login)
}

func (s *Store) uiUser(ctx context.Context, col, v string) (*collector.UIUser, error) {
	var u collector.UIUser
	var c int64
	err := s.db.QueryRowContext(ctx, s.d.rebind(`SELECT id, login, role, password, created_at FROM ui_users WHERE `+col+` = ?`), v).
		Scan(&u.ID, &u.Login, &u.Role, &u.PasswordHash, &c)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, collector.Errorf(collector.ENotFound, "no user with %s %q", col, v)
	}
	if err != nil {
		return nil, err
	}
	u.CreatedAt = time.Unix(0, c).UTC()
	return &u, nil
}

// PutUIUser stores a new user of the UI; its id and login must be new.
func (s *Store) PutUIUser(ctx context.Context, u *collector.UIUser) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO ui_users (id, login, role, password, created_at) VALUES (?, ?, ?, ?, ?)`),
			u.ID, u.Login, u.Role, u.PasswordHash, u.CreatedAt.UnixNano())
		return err
	})
}

// DeleteUIUser removes a user of the UI and its sessions.
func (s *Store) DeleteUIUser(ctx context.Context, id string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.d.rebind(`DELETE FROM ui_sessions WHERE user_id = ?`), id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.d.rebind(`DELETE FROM ui_users WHERE id = ?`), id)
		return err
	})
}

// PutUISession stores a new session under idHash (the hash of the
// cookie's token), and removes the sessions expired before now.
func (s *Store) PutUISession(ctx context.Context, idHash string, se *collector.UISession, now time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.d.rebind(`DELETE FROM ui_sessions WHERE expires_at < ?`), now.UnixNano()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO ui_sessions (id, user_id, login, role, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`),
			idHash, se.UserID, se.Login, se.Role, se.CSRF, now.UnixNano(), se.Expires.UnixNano())
		return err
	})
}

// UISession returns the session stored under idHash, expired or not, or a
// not_found error.
func (s *Store) UISession(ctx context.Context, idHash string) (*collector.UISession, error) {
	var se collector.UISession
	var exp int64
	err := s.db.QueryRowContext(ctx, s.d.rebind(`SELECT user_id, login, role, csrf, expires_at FROM ui_sessions WHERE id = ?`), idHash).
		Scan(&se.UserID, &se.Login, &se.Role, &se.CSRF, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, collector.Errorf(collector.ENotFound, "no such session")
	}
	if err != nil {
		return nil, err
	}
	se.Expires = time.Unix(0, exp)
	return &se, nil
}

// DeleteUISession removes the session stored under idHash, if any.
func (s *Store) DeleteUISession(ctx context.Context, idHash string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.d.rebind(`DELETE FROM ui_sessions WHERE id = ?`), idHash)
		return err
	})
}

// Shared reports whether several collector processes share the store
// (PostgreSQL), so that what they must agree on is kept in it.
func (s *Store) Shared() bool { return s.d.Name == "postgres" }

// ReserveLoginAttempt counts a login attempt under key (a client address)
// at now unless key already has max within window, atomically for every
// replica (on PostgreSQL under a transaction-level advisory lock of the
// key), and returns its id; "" when refused. Attempts older than window
// are deleted on the way.
func (s *Store) ReserveLoginAttempt(ctx context.Context, key string, now time.Time, window time.Duration, max int) (string, error) {
	id := ""
	err := s.write(ctx, func(tx *sql.Tx) error {
		id = ""
		if s.d.Name == "postgres" {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('rampart login ' || $1))`, key); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, s.d.rebind(`DELETE FROM login_attempts WHERE attempt_key = ? AND at < ?`), key, now.Add(-window).UnixNano()); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, s.d.rebind(`SELECT COUNT(*) FROM login_attempts WHERE attempt_key = ?`), key).Scan(&n); err != nil {
			return err
		}
		if n >= max {
			return nil
		}
		id = NewID("att_")
		_, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO login_attempts (id, attempt_key, at) VALUES (?, ?, ?)`), id, key, now.UnixNano())
		return err
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// ReleaseLoginAttempt forgets the attempt id of key.
func (s *Store) ReleaseLoginAttempt(ctx context.Context, key, id string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.d.rebind(`DELETE FROM login_attempts WHERE id = ? AND attempt_key = ?`), id, key)
		return err
	})
}
