// Package sanitize turns text written by users, or arriving from outside
// (imported messages, shared reports), into HTML that is safe to put in a
// page: whatever goes in, only an allow-list of elements, attributes and URL
// schemes comes out.
package sanitize

import (
	"bytes"
	"html/template"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	goldmarkhtml "github.com/yuin/goldmark/renderer/html"
)

// Both are built once and then only read: goldmark converters and bluemonday
// policies are safe for concurrent use once configured.
var (
	ugcPolicy = sync.OnceValue(newPolicy)
	markdown  = sync.OnceValue(newMarkdown)
)

func newPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	return p
}

func newMarkdown() goldmark.Markdown {
	return goldmark.New(
		goldmark.WithExtensions(
			extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
			extension.Strikethrough,
			extension.Linkify,
		),
		// Raw HTML in Markdown is kept here because the policy below removes
		// anything unsafe; dropping it would lose harmless <sup> or <kbd>.
		goldmark.WithRendererOptions(goldmarkhtml.WithUnsafe()),
	)
}

// Markdown renders GitHub-flavoured Markdown (tables, strikethrough, bare
// URLs made links) and sanitises the result.
func Markdown(src string) template.HTML {
	var buf bytes.Buffer
	if err := markdown().Convert([]byte(src), &buf); err != nil {
		// Convert fails only when writing to buf fails, which a bytes.Buffer
		// does not; show the source as text rather than nothing.
		return template.HTML(template.HTMLEscapeString(src))
	}
	return clean(buf.String())
}

// HTML sanitises user-supplied HTML, such as an imported message body.
func HTML(src string) template.HTML {
	return clean(src)
}

// bluemondayRel is the rel attribute the policy writes on every link. The
// policy never lets a user's own rel through and escapes quotes in text and
// attribute values, so this exact byte sequence can only be that attribute.
const bluemondayRel = ` rel="nofollow noreferrer"`

func clean(src string) template.HTML {
	out := ugcPolicy().Sanitize(src)
	// noopener is implied by noreferrer in current browsers but spelled out
	// for older ones; bluemonday adds it only together with target=_blank.
	out = strings.ReplaceAll(out, bluemondayRel, ` rel="nofollow noopener noreferrer"`)
	return template.HTML(out)
}
