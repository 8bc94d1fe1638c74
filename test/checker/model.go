package main

import (
	"fmt"
	"strings"
)

// Input of one single-name operation, as the harnesses record it (docs/reliability.md).
type Input struct {
	Kind            string `json:"kind"` // create, update, delete, read, history
	Value           string `json:"value,omitempty"`
	ExpectedVersion *int   `json:"expectedVersion,omitempty"`
	Version         *int   `json:"version,omitempty"` // read ?version=N
}

// Output of one operation. Result is what the answer proves:
//   ok                 the operation took effect (writes) or returned (reads)
//   unknown            it may or may not have taken effect (a timeout, a lost connection,
//                      WRITING_PHASE_FAILED with an unknown outcome)
//   no-effect          it certainly did not take effect and observed nothing (a 503 that
//                      says nothing was written, WRITE_CONFLICT, a read that found too few shares)
//   exists, not-found, version-conflict, version-not-found: the refusal, which observed the state
type Output struct {
	Result  string `json:"result"`
	Version int    `json:"version,omitempty"`
	Value   string `json:"value,omitempty"`
	Count   int    `json:"count,omitempty"`   // history: number of versions
	Current int    `json:"current,omitempty"` // version-conflict: the current version
}

// State of one name: absent, or live with the values of versions 1..n of its lifetime.
// Encoded as a string so that states compare with == and hash cheaply.
type state string

const absent state = "-"

func live(values []string) state { return state("+" + strings.Join(values, "\x00")) }

func (s state) exists() bool { return s != absent }

func (s state) values() []string {
	if !s.exists() {
		return nil
	}
	body := string(s[1:])
	if body == "" {
		return []string{""}
	}
	return strings.Split(body, "\x00")
}

// A versioned register per name: create makes version 1 of an absent name, update appends
// a version, delete makes it absent (a later create starts a new lifetime at version 1),
// reads see a version's value. Nondeterministic only in one way: an operation whose
// outcome is unknown may or may not have taken effect.
func step(s state, in Input, out Output) []state {
	applied, ok := apply(s, in)
	switch out.Result {
	case "unknown":
		if ok {
			return []state{s, applied}
		}
		return []state{s}
	case "no-effect":
		return []state{s}
	}
	switch in.Kind {
	case "create":
		switch out.Result {
		case "ok":
			if ok && out.Version == 1 {
				return []state{applied}
			}
		case "exists":
			if s.exists() {
				return []state{s}
			}
		}
	case "update":
		values := s.values()
		switch out.Result {
		case "ok":
			if ok && out.Version == len(values)+1 {
				return []state{applied}
			}
		case "not-found":
			if !s.exists() {
				return []state{s}
			}
		case "version-conflict":
			if s.exists() && in.ExpectedVersion != nil && *in.ExpectedVersion != len(values) && out.Current == len(values) {
				return []state{s}
			}
		}
	case "delete":
		switch out.Result {
		case "ok":
			if s.exists() {
				return []state{absent}
			}
		case "not-found":
			if !s.exists() {
				return []state{s}
			}
		}
	case "read":
		values := s.values()
		switch out.Result {
		case "ok":
			if !s.exists() {
				return nil
			}
			want := len(values)
			if in.Version != nil {
				want = *in.Version
			}
			// A `.env` reference sees the latest value without its version number.
			if out.Version == 0 && in.Version == nil {
				return condition(values[len(values)-1] == out.Value, s)
			}
			if out.Version == want && want >= 1 && want <= len(values) && values[want-1] == out.Value {
				return []state{s}
			}
		case "not-found":
			if !s.exists() {
				return []state{s}
			}
		case "version-not-found":
			if s.exists() && in.Version != nil && *in.Version > len(values) {
				return []state{s}
			}
		}
	case "history":
		switch out.Result {
		case "ok":
			if s.exists() && out.Count == len(s.values()) {
				return []state{s}
			}
		case "not-found":
			if !s.exists() {
				return []state{s}
			}
		}
	}
	return nil
}

// The state after `in` took effect, and whether it could have.
func apply(s state, in Input) (state, bool) {
	switch in.Kind {
	case "create":
		if s.exists() {
			return s, false
		}
		return live([]string{in.Value}), true
	case "update":
		if !s.exists() {
			return s, false
		}
		values := s.values()
		if in.ExpectedVersion != nil && *in.ExpectedVersion != len(values) {
			return s, false
		}
		return live(append(append([]string{}, values...), in.Value)), true
	case "delete":
		if !s.exists() {
			return s, false
		}
		return absent, true
	}
	return s, false
}

func describe(in Input, out Output) string {
	arg := ""
	switch in.Kind {
	case "create", "update":
		arg = short(in.Value)
		if in.ExpectedVersion != nil {
			arg += fmt.Sprintf(", expected %d", *in.ExpectedVersion)
		}
	case "read":
		if in.Version != nil {
			arg = fmt.Sprintf("v%d", *in.Version)
		}
	}
	result := out.Result
	switch {
	case out.Result == "ok" && in.Kind == "read":
		result = fmt.Sprintf("v%d %s", out.Version, short(out.Value))
	case out.Result == "ok" && (in.Kind == "create" || in.Kind == "update"):
		result = fmt.Sprintf("v%d", out.Version)
	case out.Result == "ok" && in.Kind == "history":
		result = fmt.Sprintf("%d versions", out.Count)
	}
	return fmt.Sprintf("%s(%s) -> %s", in.Kind, arg, result)
}

func describeState(s state) string {
	if !s.exists() {
		return "absent"
	}
	parts := []string{}
	for i, v := range s.values() {
		parts = append(parts, fmt.Sprintf("v%d=%s", i+1, short(v)))
	}
	return strings.Join(parts, " ")
}

func short(v string) string {
	if len(v) > 12 {
		return v[len(v)-12:]
	}
	return v
}

func condition(ok bool, s state) []state {
	if ok {
		return []state{s}
	}
	return nil
}
