package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"bulwark/internal/platform/config"
	"bulwark/internal/platform/httpx"
)

// Listener is one of Bulwark's servers.
type Listener struct {
	Name      string // app, simulation, public, metrics
	Addr      string
	Handler   http.Handler
	TLSConfig *tls.Config // serve TLS when set
}

// Metrics are the process's Prometheus metrics, on a registry of its own.
type Metrics struct {
	Registry *prometheus.Registry
	Requests *prometheus.CounterVec
	Duration *prometheus.HistogramVec
}

// NewMetrics makes the registry with Go and process collectors.
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := &Metrics{
		Registry: reg,
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bulwark_http_requests_total", Help: "HTTP requests answered, by listener and status class."}, []string{"listener", "code"}),
		Duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "bulwark_http_request_duration_seconds", Help: "Time to answer HTTP requests, by listener.", Buckets: prometheus.DefBuckets}, []string{"listener"}),
	}
	reg.MustRegister(m.Requests, m.Duration)
	return m
}

func (m *Metrics) instrument(listener string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &httpx.StatusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.Status == 0 {
			rec.Status = 200
		}
		m.Requests.WithLabelValues(listener, strconv.Itoa(rec.Status/100)+"xx").Inc()
		m.Duration.WithLabelValues(listener).Observe(time.Since(start).Seconds())
	})
}

// Health answers /healthz (the process is up) and /readyz (the database is
// reachable and its migrations current).
func (a *App) Health(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err := a.DB.PingContext(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("database unreachable\n"))
			return
		}
		ok, err := a.DB.MigrationsCurrent(ctx)
		if err != nil || !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("database migrations are not current\n"))
			return
		}
		w.Write([]byte("ready\n"))
	})
}

// Run serves the listeners until ctx ends, then shuts them down gracefully,
// giving requests in flight up to grace to finish.
func Run(ctx context.Context, listeners []Listener, metrics *Metrics, grace time.Duration, ready func(name, addr string)) error {
	type bound struct {
		l   Listener
		srv *http.Server
		ln  net.Listener
	}
	var all []bound
	for _, l := range listeners {
		if !config.Enabled(l.Addr) {
			continue
		}
		ln, err := net.Listen("tcp", l.Addr)
		if err != nil {
			for _, b := range all {
				b.ln.Close()
			}
			return fmt.Errorf("%s listener on %s: %w", l.Name, l.Addr, err)
		}
		h := l.Handler
		if metrics != nil && l.Name != "metrics" {
			h = metrics.instrument(l.Name, h)
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute, WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
		all = append(all, bound{l, srv, ln})
		if ready != nil {
			ready(l.Name, ln.Addr().String())
		}
	}
	if len(all) == 0 {
		return errors.New("every listener is off: nothing to serve")
	}
	errc := make(chan error, len(all))
	var wg sync.WaitGroup
	for _, b := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if b.l.TLSConfig != nil {
				b.srv.TLSConfig = b.l.TLSConfig
				err = b.srv.ServeTLS(b.ln, "", "")
			} else {
				err = b.srv.Serve(b.ln)
			}
			if err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("%s listener: %w", b.l.Name, err)
			}
		}()
	}
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	for _, b := range all {
		b.srv.Shutdown(sctx)
	}
	wg.Wait()
	return runErr
}

// TLSConfig loads the app listener's certificate.
func TLSConfig(cert, key string) (*tls.Config, error) {
	c, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{c}, MinVersion: tls.VersionTLS12}, nil
}

// MetricsHandler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}
