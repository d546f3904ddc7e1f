package app

import (
	"context"
	"fmt"
	"regexp"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/secrets"
)

// EncryptedColumn is a database column holding values sealed with the
// secret keys (secrets.Keyring). Each value is bound to its row: it was
// encrypted with the associated data AD + ":" + the row's id, so a value
// copied to another row or column does not decrypt.
type EncryptedColumn struct {
	Table    string
	IDColumn string
	Column   string
	AD       string // e.g. "users.mfa_secret"
}

// AssociatedData is what a value in row id was sealed with.
func (c EncryptedColumn) AssociatedData(id string) []byte {
	return []byte(c.AD + ":" + id)
}

// EncryptedColumns lists every column that holds encrypted secrets, so that
// "bulwark keys rotate" re-encrypts them all and "bulwark backup" and
// "restore" can check that the keys open them. A feature that stores a
// secret (an SMTP profile's password, an IMAP mailbox password, an OIDC or
// TAXII client secret) adds its column here in the same change; empty
// values are skipped.
var EncryptedColumns = []EncryptedColumn{
	{Table: "users", IDColumn: "id", Column: "mfa_secret", AD: "users.mfa_secret"},
	{Table: "phishing_sending_profiles", IDColumn: "id", Column: "password", AD: "phishing_sending_profiles.password"},
}

var identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

func (c EncryptedColumn) check() error {
	for _, s := range []string{c.Table, c.IDColumn, c.Column} {
		if !identifier.MatchString(s) {
			return fmt.Errorf("encrypted column %s.%s: %q is not a plain SQL name", c.Table, c.Column, s)
		}
	}
	if c.AD == "" {
		return fmt.Errorf("encrypted column %s.%s: no associated data", c.Table, c.Column)
	}
	return nil
}

// SecretProblem is a stored value the keys cannot open.
type SecretProblem struct {
	Column EncryptedColumn
	ID     string
	Err    error
}

func (p SecretProblem) String() string {
	return fmt.Sprintf("%s.%s of row %s: %v", p.Column.Table, p.Column.Column, p.ID, p.Err)
}

// ReencryptReport counts what a re-encryption did.
type ReencryptReport struct {
	KeyID      string // the primary key values now use
	Values     int    // encrypted values found
	Moved      int    // re-encrypted with the primary key
	Unreadable []SecretProblem
}

// ReencryptSecrets moves every value in EncryptedColumns onto the primary
// key, in one transaction audited as "keys.rotate" (with newKeyID when a key
// was just added). Values the keys cannot open are left as they are and
// listed; they were unreadable before and stay so.
func ReencryptSecrets(ctx context.Context, db *database.DB, log *audit.Log, keys *secrets.Keyring, by audit.Actor, newKeyID string) (ReencryptReport, error) {
	rep := ReencryptReport{KeyID: keys.PrimaryKeyID()}
	err := db.Tx(ctx, func(tx database.Tx) error {
		rep = ReencryptReport{KeyID: keys.PrimaryKeyID()}
		for _, c := range EncryptedColumns {
			if err := c.check(); err != nil {
				return err
			}
			values, err := readEncrypted(ctx, tx, db, c, true)
			if err != nil {
				return err
			}
			for _, v := range values {
				rep.Values++
				out, changed, err := keys.Reencrypt(v.value, c.AssociatedData(v.id))
				if err != nil {
					rep.Unreadable = append(rep.Unreadable, SecretProblem{Column: c, ID: v.id, Err: err})
					continue
				}
				if !changed {
					continue
				}
				if _, err := tx.ExecContext(ctx, `UPDATE `+c.Table+` SET `+c.Column+` = $1 WHERE `+c.IDColumn+` = $2`, out, v.id); err != nil {
					return fmt.Errorf("re-encrypt %s.%s of row %s: %w", c.Table, c.Column, v.id, err)
				}
				rep.Moved++
			}
		}
		summary := map[string]any{"primary_key_id": rep.KeyID, "values": rep.Values, "reencrypted": rep.Moved, "unreadable": len(rep.Unreadable)}
		if newKeyID != "" {
			summary["new_key_id"] = newKeyID
		}
		return log.Record(ctx, tx, by.Entry("keys.rotate", "secret_keys", rep.KeyID, summary))
	})
	return rep, err
}

// CheckSecrets reports the stored values that keys cannot open; a backup
// and a restore use it to prove that the keys belong to the database.
func CheckSecrets(ctx context.Context, db *database.DB, keys *secrets.Keyring) (checked int, problems []SecretProblem, err error) {
	for _, c := range EncryptedColumns {
		if err := c.check(); err != nil {
			return checked, problems, err
		}
		values, err := readEncrypted(ctx, db, db, c, false)
		if err != nil {
			return checked, problems, err
		}
		for _, v := range values {
			checked++
			if _, err := keys.Decrypt(v.value, c.AssociatedData(v.id)); err != nil {
				problems = append(problems, SecretProblem{Column: c, ID: v.id, Err: err})
			}
		}
	}
	return checked, problems, nil
}

type encryptedValue struct{ id, value string }

// readEncrypted reads a column's non-empty values; forUpdate locks the rows
// on PostgreSQL so that no one writes them between read and re-encryption.
func readEncrypted(ctx context.Context, q database.Querier, db *database.DB, c EncryptedColumn, forUpdate bool) ([]encryptedValue, error) {
	query := `SELECT ` + c.IDColumn + `, ` + c.Column + ` FROM ` + c.Table + ` WHERE ` + c.Column + ` IS NOT NULL AND ` + c.Column + ` <> '' ORDER BY ` + c.IDColumn
	if forUpdate && db.Dialect == database.Postgres {
		query += ` FOR UPDATE`
	}
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("read %s.%s: %w", c.Table, c.Column, err)
	}
	defer rows.Close()
	var out []encryptedValue
	for rows.Next() {
		var v encryptedValue
		if err := rows.Scan(&v.id, &v.value); err != nil {
			return nil, fmt.Errorf("read %s.%s: %w", c.Table, c.Column, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s.%s: %w", c.Table, c.Column, err)
	}
	return out, nil
}

// RotateKeys adds a fresh primary key to the data folder's key file and
// re-encrypts every stored secret with it. With keys from the environment
// it adds none (the operator appends the new key there) and only moves the
// values onto the last key given.
func (a *App) RotateKeys(ctx context.Context, by audit.Actor) (ReencryptReport, error) {
	newID := ""
	if a.Config.SecretKeys == "" {
		id, err := a.Keys.Rotate(a.Config.Data)
		if err != nil {
			return ReencryptReport{}, err
		}
		newID = id
	}
	return ReencryptSecrets(ctx, a.DB, a.Audit, a.Keys, by, newID)
}
