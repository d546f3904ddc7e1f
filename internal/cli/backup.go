package cli

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"bulwark/internal/app"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/secrets"
)

// A backup is one .tar.gz holding a manifest, the SQLite database and the
// key files of the data folder (secret.keys, audit.key, audit.head). The
// manifest lists every other member with its size and SHA-256, and restore
// accepts nothing else.
//
// With PostgreSQL the archive holds the manifest and the key files only; the
// data is copied with PostgreSQL's own tools, after the key backup so that
// the audit chain head in it is not newer than the dump:
//
//	bulwark backup --to keys.tar.gz --database URL --data DIR
//	pg_dump --format=custom --no-owner --file=bulwark.dump URL
//
// and restored into an empty database the same way round:
//
//	pg_restore --no-owner --dbname=URL bulwark.dump
//	bulwark restore --from keys.tar.gz --database URL --data NEWDIR
const (
	manifestName   = "manifest.json"
	databaseName   = "bulwark.db"
	auditKeyName   = "audit.key"
	auditHeadName  = "audit.head"
	backupFormat   = 1
	keysBackupNote = "the database and the keys that decrypt its stored passwords and sign its audit log"
)

// keyFileNames are the data folder's files a backup carries.
var keyFileNames = []string{secrets.KeyFileName, auditKeyName, auditHeadName}

type manifest struct {
	Format       int            `json:"format"`
	Engine       string         `json:"engine"`
	Version      string         `json:"bulwark_version"`
	CreatedAt    time.Time      `json:"created_at"`
	AuditEntries int64          `json:"audit_entries"`
	AuditHead    int64          `json:"audit_head"`
	Files        []manifestFile `json:"files"`
}

type manifestFile struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

func init() {
	register(command{
		name:    "backup",
		summary: "write a consistent copy of the database and its keys to one file (serve may keep running)",
		usage:   "--to FILE.tar.gz [--force]",
		flags: func(fs *flag.FlagSet) any {
			return &backupOpts{
				to:    fs.String("to", "", "the backup file to write (.tar.gz); with PostgreSQL it holds the keys only, and the pg_dump command to run next is printed"),
				force: fs.Bool("force", false, "replace the file if it exists"),
			}
		},
		run: runBackup,
	})
	register(command{
		name:    "restore",
		summary: "restore a backup into an empty data folder and check it",
		usage:   "--from FILE.tar.gz [--force] [--ignore-audit-problems]",
		flags: func(fs *flag.FlagSet) any {
			return &restoreOpts{
				from:        fs.String("from", "", "the backup file to restore"),
				force:       fs.Bool("force", false, "move the data folder's current files aside (into DATA.before-restore-TIME) instead of refusing"),
				ignoreAudit: fs.Bool("ignore-audit-problems", false, "restore even if the backup's audit log does not verify (the problems are still listed)"),
			}
		},
		run: runRestore,
	})
}

type backupOpts struct {
	to    *string
	force *bool
}

func runBackup(ctx context.Context, e *Env) error {
	o := e.Opts.(*backupOpts)
	if *o.to == "" || len(e.Args) != 0 {
		return fmt.Errorf("%w: give the file to write with --to", errUsage)
	}
	cfg := e.Config
	to, err := filepath.Abs(*o.to)
	if err != nil {
		return err
	}
	if _, err := os.Stat(to); err == nil && !*o.force {
		return fmt.Errorf("%s already exists: choose another name, or add --force to replace it", to)
	}
	postgres := database.IsPostgresURL(cfg.Database)

	db, err := openExisting(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	live, err := openAuditLog(db, cfg.Data)
	if err != nil {
		return err
	}
	// Taking a copy of everything is worth a line in the log; it goes in
	// before the copy so that the copy holds it too. The live head file is
	// left to serve (or the next command): two processes rewriting it at
	// once could collide.
	if err := live.RecordNow(ctx, audit.CLI.Entry("backup.create", "backup", "", map[string]any{"engine": string(db.Dialect)})); err != nil {
		return err
	}

	stage, err := os.MkdirTemp(filepath.Dir(to), ".bulwark-backup-*")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(stage)

	// The key files, and above all the chain head, are copied before the
	// database: the head then never names an entry the copy lacks.
	for _, name := range keyFileNames {
		err := copyFile(filepath.Join(cfg.Data, name), filepath.Join(stage, name))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			switch name {
			case secrets.KeyFileName:
				if cfg.SecretKeys == "" {
					return fmt.Errorf("there is no %s in %s: is --data the folder serve uses?", name, cfg.Data)
				}
				fmt.Fprintf(e.Err, "Note: the secret keys come from %s and are not in this backup: keep them with it.\n", secrets.EnvVar)
			case auditKeyName:
				fmt.Fprintf(e.Err, "Note: the audit key comes from %s and is not in this backup: keep it with it.\n", auditKeyEnv)
			}
		case err != nil:
			return fmt.Errorf("backup: %w", err)
		}
	}

	m := manifest{Format: backupFormat, Engine: string(db.Dialect), Version: app.Version, CreatedAt: database.Now()}
	var check *database.DB
	if postgres {
		check = db
	} else {
		// VACUUM INTO writes a consistent snapshot from one read
		// transaction while serve goes on writing.
		if _, err := db.ExecContext(ctx, `VACUUM INTO $1`, filepath.Join(stage, databaseName)); err != nil {
			return fmt.Errorf("copy the database: %w", err)
		}
		check, err = database.OpenSQLite(ctx, filepath.Join(stage, databaseName))
		if err != nil {
			return err
		}
		defer check.Close()
	}

	// Check the copy with the copied keys: the chain verifies, and every
	// stored secret opens.
	chain, err := audit.Open(check, stage, os.Getenv(auditKeyEnv))
	if err != nil {
		return err
	}
	rep, err := chain.Verify(ctx)
	if err != nil {
		return err
	}
	if !postgres {
		// Record the copy's own newest entry as its head.
		if err := chain.WriteHead(ctx); err != nil {
			return err
		}
	}
	keys, err := stagedKeyring(stage, cfg.SecretKeys)
	if err != nil {
		return err
	}
	checkedSecrets, secretProblems, err := app.CheckSecrets(ctx, check, keys)
	if err != nil {
		return err
	}
	if !postgres {
		if err := check.Close(); err != nil {
			return err
		}
		// Closing checkpoints the write-ahead log into the file; anything
		// left beside it would not be in the archive.
		for _, suffix := range []string{"-wal", "-shm"} {
			os.Remove(filepath.Join(stage, databaseName+suffix))
		}
	}
	m.AuditEntries = rep.Entries
	if h, err := os.ReadFile(filepath.Join(stage, auditHeadName)); err == nil {
		fmt.Sscanf(string(h), "%d", &m.AuditHead)
	}

	if err := writeArchive(stage, to, &m, *o.force); err != nil {
		return err
	}

	fmt.Fprintf(e.Err, "\nWARNING: %s holds %s.\nAnyone who has this file can read every stored secret. Store it encrypted, away from this machine, where only administrators can reach it.\n\n", to, keysBackupNote)
	if postgres {
		fmt.Fprintf(e.Out, "Backed up the keys of %s to %s (audit log: %d entries, head entry %d).\n", db.Location, to, m.AuditEntries, m.AuditHead)
		fmt.Fprintf(e.Out, "PostgreSQL data is not in this file. Copy it now, after this key backup, with:\n\n  pg_dump --format=custom --no-owner --file=bulwark-%s.dump '%s'\n\n", m.CreatedAt.Format("20060102-150405"), db.Location)
		fmt.Fprintln(e.Out, "To restore: create an empty database, pg_restore --no-owner --dbname=URL FILE.dump, then bulwark restore --from this file --database URL.")
	} else {
		fmt.Fprintf(e.Out, "Backed up %s and its keys to %s (audit log: %d entries, head entry %d; %d stored %s checked).\n",
			db.Location, to, m.AuditEntries, m.AuditHead, checkedSecrets, plural(checkedSecrets, "secret", "secrets"))
	}
	var problems []string
	for _, p := range rep.Problems {
		problems = append(problems, fmt.Sprintf("audit log entry %d: %s", p.EntryID, p.Reason))
	}
	for _, p := range secretProblems {
		problems = append(problems, "stored secret "+p.String())
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintf(e.Out, "  %s\n", p)
		}
		return fmt.Errorf("the backup was written, but the copy has %d %s (listed above): run bulwark audit verify", len(problems), plural(len(problems), "problem", "problems"))
	}
	return nil
}

// stagedKeyring is the keyring a backup's secrets open with: its key file,
// or the keys given in the environment.
func stagedKeyring(stage, envKeys string) (*secrets.Keyring, error) {
	if envKeys != "" {
		return secrets.LoadKeyring("", envKeys)
	}
	data, err := os.ReadFile(filepath.Join(stage, secrets.KeyFileName))
	if err != nil {
		return nil, fmt.Errorf("the backup has no %s and %s is empty: the stored secrets could not be read", secrets.KeyFileName, secrets.EnvVar)
	}
	return secrets.ParseKeyring(data)
}

// writeArchive packs the manifest and the staged files into to, through a
// temporary file so that a stopped backup leaves no half archive.
func writeArchive(stage, to string, m *manifest, replace bool) error {
	var members []string
	for _, name := range append([]string{databaseName}, keyFileNames...) {
		path := filepath.Join(stage, name)
		info, err := os.Stat(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		sum, err := fileSHA256(path)
		if err != nil {
			return err
		}
		m.Files = append(m.Files, manifestFile{Name: name, Size: info.Size(), SHA256: sum})
		members = append(members, name)
	}
	manifestJSON, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}

	tmp, err := os.CreateTemp(filepath.Dir(to), ".bulwark-backup-*.partial")
	if err != nil {
		return fmt.Errorf("write backup: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	gz := gzip.NewWriter(tmp)
	tw := tar.NewWriter(gz)
	add := func(name string, size int64, r io.Reader) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: size, ModTime: m.CreatedAt, Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
			return err
		}
		_, err := io.Copy(tw, r)
		return err
	}
	err = add(manifestName, int64(len(manifestJSON)), strings.NewReader(string(manifestJSON)))
	for i, name := range members {
		if err != nil {
			break
		}
		var f *os.File
		if f, err = os.Open(filepath.Join(stage, name)); err != nil {
			break
		}
		err = add(name, m.Files[i].Size, f)
		f.Close()
	}
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = gz.Close()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write backup: %w", err)
	}
	if replace {
		err = os.Rename(tmp.Name(), to)
	} else {
		// A link fails if the name was taken meanwhile: never overwrite.
		err = os.Link(tmp.Name(), to)
	}
	if err != nil {
		return fmt.Errorf("write backup: %w", err)
	}
	return nil
}

type restoreOpts struct {
	from        *string
	force       *bool
	ignoreAudit *bool
}

func runRestore(ctx context.Context, e *Env) error {
	o := e.Opts.(*restoreOpts)
	if *o.from == "" || len(e.Args) != 0 {
		return fmt.Errorf("%w: give the backup file with --from", errUsage)
	}
	cfg := e.Config
	if cfg.Data == "" {
		return fmt.Errorf("%w: give the data folder to restore into with --data", errUsage)
	}
	postgres := database.IsPostgresURL(cfg.Database)
	dbPath := sqlitePath(cfg.Data, cfg.Database)

	dataDir, err := filepath.Abs(cfg.Data)
	if err != nil {
		return err
	}
	existing, err := folderEntries(dataDir)
	if err != nil {
		return err
	}
	dbOutside := !postgres && filepath.Dir(dbPath) != filepath.Clean(cfg.Data)
	if dbOutside {
		if _, err := os.Stat(dbPath); err == nil && !*o.force {
			return fmt.Errorf("%s already exists: restore refuses to replace a database; add --force to move it aside", dbPath)
		}
	}
	if len(existing) > 0 && !*o.force {
		return fmt.Errorf("the data folder %s is not empty (%s): restore into an empty folder, or add --force to move its files aside first (stop bulwark serve before)", dataDir, strings.Join(firstN(existing, 3), ", "))
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	stage, err := os.MkdirTemp(dataDir, ".restore-*")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer os.RemoveAll(stage)

	m, err := extractBackup(*o.from, stage)
	if err != nil {
		return fmt.Errorf("%s: %w", *o.from, err)
	}
	want := string(database.SQLite)
	if postgres {
		want = string(database.Postgres)
	}
	if m.Engine != want {
		return fmt.Errorf("%s is a backup of a %s database, but the configuration names a %s one (check --database)", *o.from, m.Engine, want)
	}
	has := func(name string) bool {
		return slices.ContainsFunc(m.Files, func(f manifestFile) bool { return f.Name == name })
	}
	if !postgres && !has(databaseName) {
		return fmt.Errorf("%s holds no database", *o.from)
	}
	if !has(auditKeyName) && os.Getenv(auditKeyEnv) == "" {
		return fmt.Errorf("%s holds no audit key and %s is empty: give the key the backup was made with", *o.from, auditKeyEnv)
	}
	keys, err := stagedKeyring(stage, cfg.SecretKeys)
	if err != nil {
		return err
	}

	// Check the restored data before putting it in place.
	var check *database.DB
	if postgres {
		check, err = database.Open(ctx, "", cfg.Database)
		if err != nil {
			return err
		}
		var n int
		if err := check.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n == 0 {
			check.Close()
			return fmt.Errorf("the database %s holds no Bulwark data: restore it with pg_restore first (see bulwark backup), then run restore again", check.Location)
		}
	} else {
		check, err = database.OpenSQLite(ctx, filepath.Join(stage, databaseName))
		if err != nil {
			return err
		}
		var result string
		if err := check.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&result); err != nil || result != "ok" {
			check.Close()
			return fmt.Errorf("the database in %s is damaged (integrity check: %s %v)", *o.from, result, err)
		}
		var n int
		if err := check.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n == 0 {
			check.Close()
			return fmt.Errorf("the database in %s holds no Bulwark data", *o.from)
		}
	}
	chain, err := audit.Open(check, stage, os.Getenv(auditKeyEnv))
	if err != nil {
		check.Close()
		return err
	}
	rep, err := chain.Verify(ctx)
	if err != nil {
		check.Close()
		return err
	}
	checkedSecrets, secretProblems, err := app.CheckSecrets(ctx, check, keys)
	check.Close()
	if err != nil {
		return err
	}
	printAuditReport(e, rep)
	for _, p := range secretProblems {
		fmt.Fprintf(e.Out, "  stored secret %s\n", p)
	}
	if len(secretProblems) > 0 {
		return fmt.Errorf("the keys in %s do not open %d stored %s: it was not restored", *o.from, len(secretProblems), plural(len(secretProblems), "secret", "secrets"))
	}
	if !rep.OK() && !*o.ignoreAudit {
		return fmt.Errorf("the audit log in %s does not verify: it was not restored (add --ignore-audit-problems to restore it anyway)", *o.from)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		os.Remove(filepath.Join(stage, databaseName+suffix))
	}

	if *o.force {
		aside, err := moveAside(dataDir, existing, dbOutside, dbPath)
		if err != nil {
			return err
		}
		if aside != "" {
			fmt.Fprintf(e.Out, "Moved the data folder's previous files to %s.\n", aside)
		}
	}
	for _, f := range m.Files {
		target := filepath.Join(dataDir, f.Name)
		if f.Name == databaseName {
			target = dbPath
		}
		if err := moveFile(filepath.Join(stage, f.Name), target); err != nil {
			return fmt.Errorf("restore %s: %w", f.Name, err)
		}
	}

	// The restore itself goes into the restored log.
	db, err := database.Open(ctx, cfg.Data, cfg.Database)
	if err != nil {
		return err
	}
	defer db.Close()
	restored, err := audit.Open(db, dataDir, os.Getenv(auditKeyEnv))
	if err != nil {
		return err
	}
	if err := restored.RecordNow(ctx, audit.CLI.Entry("backup.restore", "backup", "", map[string]any{
		"backup_created_at": m.CreatedAt.Format(time.RFC3339), "audit_entries": rep.Entries, "engine": m.Engine,
	})); err != nil {
		return err
	}
	if err := restored.WriteHead(ctx); err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "Restored the backup of %s into %s (%d stored %s checked). Start bulwark serve to use it.\n",
		m.CreatedAt.Format(time.RFC3339), dataDir, checkedSecrets, plural(checkedSecrets, "secret", "secrets"))
	return nil
}

// extractBackup unpacks archive into stage, accepting only the expected
// members as plain files, each once, matching the manifest.
func extractBackup(archive, stage string) (manifest, error) {
	var m manifest
	f, err := os.Open(archive)
	if err != nil {
		return m, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return m, fmt.Errorf("not a Bulwark backup (not gzip): %w", err)
	}
	tr := tar.NewReader(gz)
	allowed := append([]string{manifestName, databaseName}, keyFileNames...)
	seen := map[string]bool{}
	sums := map[string]manifestFile{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return m, fmt.Errorf("not a readable backup: %w", err)
		}
		name := h.Name
		if !slices.Contains(allowed, name) {
			return m, fmt.Errorf("unexpected member %q: a Bulwark backup holds only %s", name, strings.Join(allowed, ", "))
		}
		if h.Typeflag != tar.TypeReg {
			return m, fmt.Errorf("member %q is not a plain file", name)
		}
		if seen[name] {
			return m, fmt.Errorf("member %q appears twice", name)
		}
		seen[name] = true
		if name == manifestName {
			if h.Size > 1<<20 {
				return m, errors.New("the manifest is too large")
			}
			if err := json.NewDecoder(io.LimitReader(tr, h.Size)).Decode(&m); err != nil {
				return m, fmt.Errorf("unreadable manifest: %w", err)
			}
			continue
		}
		out, err := os.OpenFile(filepath.Join(stage, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return m, err
		}
		hash := sha256.New()
		n, err := io.Copy(io.MultiWriter(out, hash), tr)
		if err == nil {
			err = out.Sync()
		}
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return m, fmt.Errorf("extract %s: %w", name, err)
		}
		sums[name] = manifestFile{Name: name, Size: n, SHA256: hex.EncodeToString(hash.Sum(nil))}
	}
	if !seen[manifestName] {
		return m, errors.New("not a Bulwark backup (no manifest)")
	}
	if m.Format != backupFormat {
		return m, fmt.Errorf("backup format %d is not one this version reads (%d)", m.Format, backupFormat)
	}
	listed := map[string]bool{}
	for _, want := range m.Files {
		listed[want.Name] = true
		got, ok := sums[want.Name]
		switch {
		case !ok:
			return m, fmt.Errorf("member %q listed in the manifest is missing", want.Name)
		case got.Size != want.Size || got.SHA256 != want.SHA256:
			return m, fmt.Errorf("member %q does not match its checksum: the file is damaged or was altered", want.Name)
		}
	}
	for name := range sums {
		if !listed[name] {
			return m, fmt.Errorf("member %q is not in the manifest", name)
		}
	}
	return m, nil
}

// sqlitePath is where the SQLite database lives for this configuration.
func sqlitePath(dataDir, databaseURL string) string {
	if p, ok := strings.CutPrefix(databaseURL, "sqlite:"); ok && p != "" {
		return p
	}
	return filepath.Join(dataDir, databaseName)
}

// folderEntries lists dir's entries; a missing folder is empty.
func folderEntries(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, en := range entries {
		names = append(names, en.Name())
	}
	return names, nil
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], "…")
	}
	return s
}

// moveAside moves the data folder's entries (and an outside database) into
// a sibling folder named after the time, and returns it.
func moveAside(dataDir string, entries []string, dbOutside bool, dbPath string) (string, error) {
	_, dbErr := os.Stat(dbPath)
	if len(entries) == 0 && !(dbOutside && dbErr == nil) {
		return "", nil
	}
	aside := dataDir + ".before-restore-" + time.Now().UTC().Format("20060102T150405Z")
	if err := os.Mkdir(aside, 0o700); err != nil {
		return "", fmt.Errorf("move old files aside: %w", err)
	}
	for _, name := range entries {
		if err := os.Rename(filepath.Join(dataDir, name), filepath.Join(aside, name)); err != nil {
			return "", fmt.Errorf("move %s aside: %w", name, err)
		}
	}
	if dbOutside && dbErr == nil {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Rename(dbPath+suffix, filepath.Join(aside, filepath.Base(dbPath)+suffix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return "", fmt.Errorf("move %s aside: %w", dbPath+suffix, err)
			}
		}
	}
	return aside, nil
}

// moveFile renames src to dst, copying when they are on different disks.
func moveFile(src, dst string) error {
	if err := os.Rename(src, dst); err == nil {
		return nil
	}
	if err := copyFile(src, dst); err != nil {
		return err
	}
	return os.Remove(src)
}

// copyFile copies src to a new 0600 file dst, synced to disk.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst)
	}
	return err
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
