package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"bulwark/internal/platform/jobs"
	"bulwark/internal/platform/mail"
)

// MailJobKind is the background job that sends one system message.
const MailJobKind = "mail.system"

const mailSealAD = "jobs.mail.system"

type mailJob struct {
	// Sealed is the message encrypted with the app keyring: system mail
	// carries password-reset links, which must not sit in the jobs table
	// in clear.
	Sealed string `json:"sealed"`
}

// queuedMail sends system mail through the job queue: the page that asks
// for a message answers at once (so its timing reveals nothing, such as
// whether an address has an account), and a failed delivery is retried.
type queuedMail struct{ a *App }

// QueueMail registers the mail job, which delivers through sender, and
// returns a Sender that enqueues instead of sending.
func (a *App) QueueMail(sender mail.Sender) mail.Sender {
	keys := newLiveKeys(a.Config.Data, a.Config.SecretKeys, a.Keys)
	a.Jobs.Register(MailJobKind, func(ctx context.Context, j jobs.Job) error {
		var p mailJob
		if err := j.Decode(&p); err != nil {
			return jobs.Permanent(err)
		}
		raw, err := keys.Decrypt(p.Sealed, []byte(mailSealAD))
		if err != nil {
			return jobs.Permanent(fmt.Errorf("open the message: %w", err))
		}
		var m mail.Message
		if err := json.Unmarshal(raw, &m); err != nil {
			return jobs.Permanent(err)
		}
		if err := sender.Send(ctx, m); err != nil {
			if errors.Is(err, mail.ErrInvalidMessage) {
				return jobs.Permanent(err)
			}
			return err
		}
		return nil
	}, jobs.KindOptions{MaxAttempts: 8})
	return queuedMail{a}
}

func (q queuedMail) Send(ctx context.Context, m mail.Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	keys := newLiveKeys(q.a.Config.Data, q.a.Config.SecretKeys, q.a.Keys)
	sealed, err := keys.Encrypt(raw, []byte(mailSealAD))
	if err != nil {
		return err
	}
	_, err = q.a.Jobs.Enqueue(ctx, q.a.DB, MailJobKind, mailJob{Sealed: sealed}, jobs.EnqueueOptions{})
	if err == nil {
		q.a.Jobs.Wake()
	}
	return err
}
