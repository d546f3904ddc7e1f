package stixpattern_test

import (
	"fmt"

	"bulwark/internal/sharing/stixpattern"
)

func ExampleParse() {
	p, err := stixpattern.Parse("[file:hashes.'SHA-256'='aec0' OR file:name LIKE 'upd%.exe']  FOLLOWEDBY [url:value = 'http://a.test/'] WITHIN 300 SECONDS")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p)

	_, err = stixpattern.Parse("[file:hashes.SHA-256 = 'aec0']")
	fmt.Println(err)
	// Output:
	// [file:hashes.'SHA-256' = 'aec0' OR file:name LIKE 'upd%.exe'] FOLLOWEDBY [url:value = 'http://a.test/'] WITHIN 300 SECONDS
	// pattern error at column 14: the name SHA-256 contains '-' and must be quoted, as in hashes.'SHA-256'
}

func ExampleObservables() {
	p, err := stixpattern.Parse("[domain-name:value = 'example.com' OR file:hashes.md5 = '001dd76872d80801692ff942308c64e6']")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range stixpattern.Observables(p) {
		fmt.Printf("%s:%s %q hash=%q alone=%v\n", e.ObjectType, e.Path, e.Value, e.Hash, e.Sufficient)
	}
	// Output:
	// domain-name:value "example.com" hash="" alone=true
	// file:hashes.md5 "001dd76872d80801692ff942308c64e6" hash="MD5" alone=true
}
