package ui

import "encoding/base64"

func encodeCookie(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func decodeCookie(s string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return string(b), err == nil
}
