// vault-checker: checks recorded histories of the simulation and the fault suite for
// linearizability, per name, with Porcupine (docs/reliability.md). Reads a JSON file of
// histories, writes one result per history to stdout as JSON, and for each history that is
// not linearizable writes Porcupine's HTML visualisation of the failing name.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/anishathalye/porcupine"
)

type operation struct {
	Client int    `json:"client"`
	Name   string `json:"name"`
	Input  Input  `json:"input"`
	Output Output `json:"output"`
	Call   int64  `json:"call"`
	Return int64  `json:"return"`
}

type history struct {
	ID         string      `json:"id"`
	Operations []operation `json:"operations"`
}

type request struct {
	Histories    []history `json:"histories"`
	VisualizeDir string    `json:"visualizeDir"`
	TimeoutMs    int       `json:"timeoutMs"`
}

type result struct {
	ID            string `json:"id"`
	Linearizable  bool   `json:"linearizable"`
	Unknown       bool   `json:"unknown,omitempty"`
	Name          string `json:"name,omitempty"`
	Visualization string `json:"visualization,omitempty"`
	Operations    int    `json:"operations"`
}

var model = porcupine.NondeterministicModel{
	Init: func() []interface{} { return []interface{}{absent} },
	Step: func(s, in, out interface{}) []interface{} {
		next := step(s.(state), in.(Input), out.(Output))
		states := make([]interface{}, len(next))
		for i, n := range next {
			states[i] = n
		}
		return states
	},
	Equal:             func(a, b interface{}) bool { return a.(state) == b.(state) },
	DescribeOperation: func(in, out interface{}) string { return describe(in.(Input), out.(Output)) },
	DescribeState:     func(s interface{}) string { return describeState(s.(state)) },
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: vault-checker histories.json")
		os.Exit(2)
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var req request
	if err := json.Unmarshal(raw, &req); err != nil {
		fmt.Fprintln(os.Stderr, "bad input:", err)
		os.Exit(2)
	}
	timeout := time.Duration(req.TimeoutMs) * time.Millisecond
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	results := make([]result, 0, len(req.Histories))
	for _, h := range req.Histories {
		results = append(results, check(h, req.VisualizeDir, timeout))
	}
	out, _ := json.Marshal(map[string]interface{}{"results": results})
	fmt.Println(string(out))
}

func check(h history, dir string, timeout time.Duration) result {
	byName := map[string][]porcupine.Operation{}
	for _, op := range h.Operations {
		byName[op.Name] = append(byName[op.Name], porcupine.Operation{
			ClientId: op.Client, Input: op.Input, Output: op.Output, Call: op.Call, Return: op.Return,
		})
	}
	names := make([]string, 0, len(byName))
	for name := range byName {
		names = append(names, name)
	}
	sort.Strings(names)
	res := result{ID: h.ID, Linearizable: true, Operations: len(h.Operations)}
	m := model.ToModel()
	for _, name := range names {
		verdict, info := porcupine.CheckOperationsVerbose(m, byName[name], timeout)
		if verdict == porcupine.Ok {
			continue
		}
		res.Name = name
		if verdict == porcupine.Unknown {
			res.Unknown = true
			continue
		}
		res.Linearizable = false
		if dir != "" {
			path := filepath.Join(dir, fmt.Sprintf("%s-%s.html", h.ID, name))
			if err := porcupine.VisualizePath(m, info, path); err == nil {
				res.Visualization = path
			}
		}
		return res
	}
	return res
}
