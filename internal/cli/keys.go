package cli

import (
	"context"
	"fmt"
	"path/filepath"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/secrets"
)

func init() {
	register(command{
		name:    "keys rotate",
		summary: "add a new secret-encryption key and re-encrypt every stored secret with it",
		run:     keysRotate,
	})
}

func keysRotate(ctx context.Context, e *Env) error {
	if len(e.Args) != 0 {
		return fmt.Errorf("%w: keys rotate takes no arguments", errUsage)
	}
	a, err := e.Open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	fromEnv := e.Config.SecretKeys != ""
	rep, err := a.RotateKeys(ctx, audit.CLI)
	if err != nil {
		return err
	}
	if fromEnv {
		fmt.Fprintf(e.Out, "The keys come from %s, so no key was added here; stored secrets now use its last key, %s.\n", secrets.EnvVar, rep.KeyID)
	} else {
		fmt.Fprintf(e.Out, "Added key %s to %s: it encrypts every new secret from now on. The older keys stay in the file so that values not yet moved still open.\n",
			rep.KeyID, filepath.Join(e.Config.Data, secrets.KeyFileName))
	}
	fmt.Fprintf(e.Out, "Re-encrypted %d of %d stored %s with key %s.\n", rep.Moved, rep.Values, plural(rep.Values, "secret", "secrets"), rep.KeyID)
	if fromEnv {
		fmt.Fprintln(e.Out, "Restart every running bulwark serve with the new keys in its environment.")
	} else {
		fmt.Fprintln(e.Out, "A bulwark serve on this data folder picks the new key up by itself; copy the key file to the data folder of every other instance.")
	}
	fmt.Fprintln(e.Out, "Then take a new backup (bulwark backup): older backups do not hold this key.")
	if len(rep.Unreadable) > 0 {
		for _, p := range rep.Unreadable {
			fmt.Fprintf(e.Out, "  could not open %s\n", p)
		}
		return fmt.Errorf("%d stored %s could not be opened with any key and were left as they are: restore the key they were made with, or set them again (for a sign-in code, the user sets up two-step sign-in again)",
			len(rep.Unreadable), plural(len(rep.Unreadable), "secret", "secrets"))
	}
	return nil
}
