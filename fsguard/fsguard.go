// Package fsguard protects file opens against path traversal and local file
// inclusion: each function checks the path, before the file is opened,
// against the inputs of the request on the context (rampart.CheckFile): an
// input joined into the path must not leave the directory it was put in,
// be an absolute path, or name a sensitive system file.
//
//	b, err := fsguard.ReadFile(r.Context(), filepath.Join(base, name))
//
// Join the input with filepath.Join or plain concatenation: the check reads
// the path as given, before cleaning, which is where the traversal shows.
// An exploit is reported with a stack trace; in block mode the function
// returns a *rampart.BlockedError and the file is not touched. Without a
// protected request on the context, the functions are their os
// counterparts.
package fsguard

import (
	"context"
	"os"

	"github.com/rampartsec/rampart"
)

// Open is os.Open after the check.
func Open(ctx context.Context, name string) (*os.File, error) {
	if err := rampart.CheckFile(ctx, name); err != nil {
		return nil, err
	}
	return os.Open(name)
}

// OpenFile is os.OpenFile after the check.
func OpenFile(ctx context.Context, name string, flag int, perm os.FileMode) (*os.File, error) {
	if err := rampart.CheckFile(ctx, name); err != nil {
		return nil, err
	}
	return os.OpenFile(name, flag, perm)
}

// ReadFile is os.ReadFile after the check.
func ReadFile(ctx context.Context, name string) ([]byte, error) {
	if err := rampart.CheckFile(ctx, name); err != nil {
		return nil, err
	}
	return os.ReadFile(name)
}

// WriteFile is os.WriteFile after the check.
func WriteFile(ctx context.Context, name string, data []byte, perm os.FileMode) error {
	if err := rampart.CheckFile(ctx, name); err != nil {
		return err
	}
	return os.WriteFile(name, data, perm)
}

// Check checks a path about to be opened by other means.
func Check(ctx context.Context, name string) error {
	return rampart.CheckFile(ctx, name)
}
