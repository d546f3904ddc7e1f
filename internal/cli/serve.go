package cli

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"bulwark/internal/app"
	"bulwark/internal/platform/config"
	"bulwark/internal/platform/mail"
)

func init() {
	register(command{name: "serve", summary: "run the app, simulation and public listeners", run: serve})
}

func serve(ctx context.Context, e *Env) error {
	cfg := e.Config
	a, err := e.Open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	log := a.Log

	var sender mail.Sender
	var outbox *mail.Catcher
	if cfg.SMTPHost != "" {
		s, err := mail.NewSMTP(mail.SMTPConfig{Host: cfg.SMTPHost, Port: cfg.SMTPPort, TLS: cfg.SMTPTLS, Username: cfg.SMTPUsername, Password: cfg.SMTPPassword, From: cfg.SMTPFrom})
		if err != nil {
			return err
		}
		sender = s
	} else {
		// Without a mail server, system mail is kept in the outbox page so
		// that nothing is lost and demo mode shows what would be sent.
		outbox = mail.NewCatcher(500)
		sender = outbox
		log.Info("no system mail server configured: mail is kept in the outbox page (Administration, Mail outbox)")
	}

	// Check the addresses are free before the demo prints a one-time
	// password: a port clash after it would lose the password.
	for _, addr := range []string{cfg.AppAddr, cfg.SimAddr, cfg.PublicAddr, cfg.MetricsAddr} {
		if !config.Enabled(addr) {
			continue
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("cannot listen on %s: %w", addr, err)
		}
		ln.Close()
	}
	if cfg.Demo {
		if err := app.SeedDemo(ctx, a, e.Out); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}

	// System mail leaves through the job queue: pages answer at once, and a
	// mail server that is down gets the message later.
	edges, err := a.BuildEdges(a.QueueMail(sender), outbox)
	if err != nil {
		return err
	}
	edges.UI.MailDirect = sender
	metrics := app.NewMetrics()
	listeners := []app.Listener{
		{Name: "app", Addr: cfg.AppAddr, Handler: a.AppHandler(edges, metrics)},
		{Name: "simulation", Addr: cfg.SimAddr, Handler: a.SimulationHandler()},
		{Name: "public", Addr: cfg.PublicAddr, Handler: a.PublicHandler()},
	}
	if cfg.TLSCert != "" {
		tc, err := app.TLSConfig(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return err
		}
		listeners[0].TLSConfig = tc
	}
	if config.Enabled(cfg.MetricsAddr) {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", metrics.Handler())
		listeners = append(listeners, app.Listener{Name: "metrics", Addr: cfg.MetricsAddr, Handler: mux})
	}

	bg, stopBackground := context.WithCancel(ctx)
	defer stopBackground()
	go a.Audit.KeepHead(bg, 10*time.Second)
	go a.PruneSessions(bg, 10*time.Minute)
	// Background jobs: at shutdown they get a grace period to finish, then
	// are handed back to the queue; a killed process's leases expire.
	jobsDone := make(chan struct{})
	go func() {
		defer close(jobsDone)
		if cfg.JobWorkers > 0 {
			a.Jobs.Run(bg, cfg.JobWorkers)
		}
	}()

	err = app.Run(ctx, listeners, metrics, 15*time.Second, func(name, addr string) {
		log.Info("listening", "listener", name, "addr", addr)
		if name == "app" {
			scheme := "http"
			if cfg.TLSCert != "" {
				scheme = "https"
			}
			fmt.Fprintf(e.Out, "Bulwark is running: open %s://%s/ in your browser.\n", scheme, addr)
		}
	})
	stopBackground()
	<-jobsDone
	log.Info("stopped")
	return err
}
