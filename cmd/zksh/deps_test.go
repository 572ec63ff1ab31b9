package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBinaryDoesNotLinkTesting: the shipped binary must not carry the testing package (its flags and
// its weight) because some package it imports happens to offer a test helper.
func TestBinaryDoesNotLinkTesting(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "testing" {
			t.Fatal("cmd/zksh links the testing package; find the importer with: go list -deps -f '{{.ImportPath}} {{.Imports}}' ./cmd/zksh")
		}
	}
}
