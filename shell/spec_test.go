package shell

import (
	"reflect"
	"strings"
	"testing"

	"github.com/zksh/zksh/commands"
	"github.com/zksh/zksh/completion"
)

func TestPathOperandsOfUsage(t *testing.T) {
	for use, want := range map[string][]int{
		"create [-s] [-e] [-c] [-t ttl] path [data] [acl]": {0},
		"set [-s] [-v version] path data":                  {0},
		"setAcl [-R] [-v version] path acl":                {0},
		"cd [path]":                                        {0},
		"sync":                                             {0},
		"cp src-path dst-path":                             {0, 1},
	} {
		if got := pathOperands(use); !reflect.DeepEqual(got, want) {
			t.Errorf("pathOperands(%q) = %v, want %v", use, got, want)
		}
	}
}

// The spec derived from the real command tree completes what the REPL runs.
func TestSpecOfCommandTree(t *testing.T) {
	env := commands.NewEnv(&commands.IOStreams{In: strings.NewReader(""), Out: &strings.Builder{}, ErrOut: &strings.Builder{}}, commands.Settings{})
	spec := specOf(commands.NewRootCmd(env))
	byName := map[string]completion.Command{}
	for _, c := range spec.Commands {
		byName[c.Name] = c
	}
	for _, name := range []string{"get", "set", "ls", "create", "delete", "deleteall", "stat", "cd"} {
		c, ok := byName[name]
		if !ok {
			t.Errorf("no %s in the spec", name)
			continue
		}
		if !reflect.DeepEqual(c.PathArgs, []int{0}) {
			t.Errorf("%s: path operands %v, want [0]", name, c.PathArgs)
		}
		if c.Description == "" {
			t.Errorf("%s: no description", name)
		}
	}
	for _, name := range []string{"exit", "history", "redo", "connect", "help"} {
		if _, ok := byName[name]; !ok {
			t.Errorf("no %s in the spec", name)
		}
	}
	if !byName["help"].CommandArgs {
		t.Error("help does not complete command names")
	}
	if len(byName["connect"].PathArgs) != 0 {
		t.Error("connect's operand completes as a znode path")
	}
	var version *completion.Flag
	for i, f := range byName["set"].Flags {
		if f.Short == "v" {
			version = &byName["set"].Flags[i]
		}
	}
	if version == nil || !version.TakesValue {
		t.Errorf("set -v: %+v, want a flag taking a value", version)
	}
	for _, f := range byName["get"].Flags {
		if f.Short == "w" && f.TakesValue {
			t.Error("get -w takes a value")
		}
	}
	for _, name := range []string{"get", "ls", "stat"} {
		var values []string
		for _, f := range byName[name].Flags {
			if f.Long == "output" {
				for _, v := range f.Values {
					values = append(values, v.Text)
				}
			}
		}
		if !reflect.DeepEqual(values, []string{"table", "plain", "json"}) {
			t.Errorf("%s -o offers %q, want table, plain, json", name, values)
		}
	}
}
