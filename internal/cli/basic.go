package cli

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"bulwark/internal/accounts"
	"bulwark/internal/app"
	"bulwark/internal/directory"
	"bulwark/internal/platform/audit"
)

func init() {
	register(command{name: "version", summary: "print the version", run: func(ctx context.Context, e *Env) error {
		fmt.Fprintf(e.Out, "bulwark %s\n", app.Version)
		return nil
	}})
	register(command{name: "migrate", summary: "bring the database schema up to date", run: func(ctx context.Context, e *Env) error {
		a, err := e.Open(ctx)
		if err != nil {
			return err
		}
		defer a.Close()
		fmt.Fprintln(e.Out, "The database is up to date.")
		return nil
	}})
	register(usersCreate)
	register(tokensCreate)
	register(importPeople)
}

type usersCreateOpts struct {
	email, name, role, org *string
	passwordStdin          *bool
}

var usersCreate = command{
	name:    "users create",
	summary: "create a user; the password is read from standard input",
	usage:   "--email E --name N --role R [--password-stdin]",
	flags: func(fs *flag.FlagSet) any {
		return &usersCreateOpts{
			email:         fs.String("email", "", "the user's email address"),
			name:          fs.String("name", "", "the user's full name"),
			role:          fs.String("role", "", "admin, awareness_manager, analyst, organisation_member, leader or auditor"),
			org:           fs.String("organisation", "", "name of the user's organisation (optional)"),
			passwordStdin: fs.Bool("password-stdin", false, "read the password from the first line of standard input"),
		}
	},
	run: func(ctx context.Context, e *Env) error {
		o := e.Opts.(*usersCreateOpts)
		if *o.email == "" || *o.name == "" || *o.role == "" {
			return fmt.Errorf("%w: --email, --name and --role are required", errUsage)
		}
		role, err := accounts.ParseRole(*o.role)
		if err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		password := ""
		if *o.passwordStdin {
			line, err := bufio.NewReader(e.In).ReadString('\n')
			if err != nil && line == "" {
				return fmt.Errorf("no password on standard input")
			}
			password = strings.TrimRight(line, "\r\n")
		}
		a, err := e.Open(ctx)
		if err != nil {
			return err
		}
		defer a.Close()
		var orgID int64
		if *o.org != "" {
			org, err := a.Directory.OrganisationByName(ctx, *o.org)
			if err != nil {
				return fmt.Errorf("organisation %q: %w", *o.org, err)
			}
			orgID = org.ID
		}
		u, err := a.Accounts.CreateUser(ctx, audit.CLI, accounts.NewUser{Email: *o.email, Name: *o.name, Role: role, Password: password, OrganisationID: orgID})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.Out, "Created user %d: %s (%s).\n", u.ID, u.Email, u.Role.Label())
		if password == "" {
			fmt.Fprintln(e.Out, "They have no password yet: they can set one with \"Forgot your password?\" on the sign-in page.")
		}
		return nil
	},
}

type tokensCreateOpts struct {
	email, name, role *string
}

var tokensCreate = command{
	name:    "tokens create",
	summary: "create an API token for a user and print it (only the token, on standard output)",
	usage:   "--email E --name N [--role R]",
	flags: func(fs *flag.FlagSet) any {
		return &tokensCreateOpts{
			email: fs.String("email", "", "the user the token acts for"),
			name:  fs.String("name", "", "a name to tell the token apart, e.g. \"TAXII feed\""),
			role:  fs.String("role", "", "narrow the token to this role (default: the user's role)"),
		}
	},
	run: func(ctx context.Context, e *Env) error {
		o := e.Opts.(*tokensCreateOpts)
		if *o.email == "" || *o.name == "" {
			return fmt.Errorf("%w: --email and --name are required", errUsage)
		}
		a, err := e.Open(ctx)
		if err != nil {
			return err
		}
		defer a.Close()
		u, err := a.Accounts.UserByEmail(ctx, *o.email)
		if err != nil {
			return fmt.Errorf("user %s: %w", *o.email, err)
		}
		value, t, err := a.Accounts.CreateToken(ctx, audit.CLI, u, *o.name, accounts.Role(*o.role))
		if err != nil {
			return err
		}
		fmt.Fprintf(e.Err, "Token %d %q for %s, role %s. Store it now: it is not shown again.\n", t.ID, t.Name, u.Email, t.Role.Label())
		fmt.Fprintln(e.Out, value)
		return nil
	},
}

var importPeople = command{
	name:    "import people",
	summary: "import people from a CSV file (upserts by email)",
	usage:   "FILE.csv",
	run: func(ctx context.Context, e *Env) error {
		if len(e.Args) != 1 {
			return fmt.Errorf("%w: give one CSV file", errUsage)
		}
		f, err := os.Open(e.Args[0])
		if err != nil {
			return err
		}
		defer f.Close()
		a, err := e.Open(ctx)
		if err != nil {
			return err
		}
		defer a.Close()
		var bar *progressbar.ProgressBar
		progress := func(done, total int) {
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(e.Err), progressbar.OptionSetDescription("Importing people"),
					progressbar.OptionShowCount(), progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100*time.Millisecond),
					progressbar.OptionOnCompletion(func() { fmt.Fprintln(e.Err) }))
			}
			bar.Set(done)
		}
		rep, err := a.Directory.ImportPeople(ctx, audit.CLI, f, directory.ImportOptions{Progress: progress})
		if err != nil {
			return err
		}
		for _, re := range rep.Errors {
			fmt.Fprintf(e.Out, "  %s\n", re)
		}
		fmt.Fprintf(e.Out, "Imported %s in %.1f s: %d created, %d updated, %d unchanged, %d failed",
			e.Args[0], rep.Duration.Seconds(), rep.Created, rep.Updated, rep.Unchanged, rep.Failed)
		if rep.OrganisationsCreated > 0 {
			fmt.Fprintf(e.Out, "; %d new organisations", rep.OrganisationsCreated)
		}
		fmt.Fprintln(e.Out, ".")
		if rep.Failed > 0 {
			fmt.Fprintln(e.Out, "Rows that failed were not saved: fix them and import the file again (rows already saved will show as unchanged).")
		}
		return nil
	},
}
