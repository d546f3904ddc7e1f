// Package jobs is the background work queue held in the database.
package jobs

// Queue is replaced by the jobs implementation.
type Queue struct{}
