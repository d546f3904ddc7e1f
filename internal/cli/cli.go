// Package cli is the operator's command line: serve, migrate, users,
// tokens, imports, backups, keys and the audit check. Every command takes
// the same configuration flags as serve.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"bulwark/internal/app"
	"bulwark/internal/platform/config"
)

// IO is where a command reads and writes.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
}

// command is one CLI command.
type command struct {
	name    string // "users create"
	summary string
	usage   string // arguments after the flags
	flags   func(fs *flag.FlagSet) any
	run     func(ctx context.Context, env *Env) error
}

// Env is what a running command gets.
type Env struct {
	IO
	Config config.Config
	Flags  *flag.FlagSet
	Args   []string
	Opts   any // what the command's flags function returned
}

// Open opens the app with the command's configuration.
func (e *Env) Open(ctx context.Context) (*app.App, error) {
	return app.Open(ctx, e.Config, app.NewLogger(e.Config, e.Err))
}

var commands []command

func register(c command) { commands = append(commands, c) }

// errUsage marks mistakes in how a command was called (exit code 2).
var errUsage = errors.New("usage")

// Run runs the command named by args and returns the exit code.
func Run(ctx context.Context, args []string, io IO) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(io.Out)
		return 0
	}
	var cmd *command
	rest := args
	for i := range commands {
		words := strings.Fields(commands[i].name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == commands[i].name {
			if cmd == nil || len(strings.Fields(cmd.name)) < len(words) {
				cmd = &commands[i]
				rest = args[len(words):]
			}
		}
	}
	if cmd == nil {
		fmt.Fprintf(io.Err, "bulwark: unknown command %q\n\n", strings.Join(args, " "))
		usage(io.Err)
		return 2
	}
	fs := flag.NewFlagSet("bulwark "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Err)
	config.Register(fs)
	var opts any
	if cmd.flags != nil {
		opts = cmd.flags(fs)
	}
	fs.Usage = func() {
		fmt.Fprintf(io.Err, "Usage: bulwark %s [flags] %s\n\n%s\n\nFlags:\n", cmd.name, cmd.usage, cmd.summary)
		fs.PrintDefaults()
	}
	if err := fs.Parse(interleave(fs, rest)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	cfg, err := config.Load(fs, os.Getenv)
	if err != nil {
		fmt.Fprintf(io.Err, "bulwark: configuration: %v\n", err)
		return 2
	}
	env := &Env{IO: io, Config: cfg, Flags: fs, Args: fs.Args(), Opts: opts}
	if err := cmd.run(ctx, env); err != nil {
		if errors.Is(err, errUsage) {
			fmt.Fprintf(io.Err, "bulwark %s: %v\n", cmd.name, err)
			fs.Usage()
			return 2
		}
		fmt.Fprintf(io.Err, "bulwark %s: %v\n", cmd.name, err)
		return 1
	}
	return 0
}

// interleave lets flags come after positional arguments
// ("import people FILE.csv --data D"), as operators type them.
func interleave(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if strings.Contains(name, "=") {
				continue
			}
			if f := fs.Lookup(name); f != nil {
				if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
					continue
				}
				if i+1 < len(args) {
					flags = append(flags, args[i+1])
					i++
				}
			}
			continue
		}
		pos = append(pos, a)
	}
	return append(flags, pos...)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Bulwark: election cyber-defense in one program.")
	fmt.Fprintln(w, "\nUsage: bulwark COMMAND [flags]\n\nCommands:")
	sorted := append([]command(nil), commands...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].name < sorted[j].name })
	for _, c := range sorted {
		fmt.Fprintf(w, "  %-16s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nEvery command takes --data, --database and the other configuration flags of serve;")
	fmt.Fprintln(w, "\"bulwark COMMAND --help\" lists them. Each flag --x-y can also be set as BULWARK_X_Y.")
}
