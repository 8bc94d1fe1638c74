package main

import (
	"testing"

	"github.com/anishathalye/porcupine"
)

func intp(v int) *int { return &v }

func op(client int, in Input, out Output, call, ret int64) porcupine.Operation {
	return porcupine.Operation{ClientId: client, Input: in, Output: out, Call: call, Return: ret}
}

func TestSequentialHistoryIsLinearizable(t *testing.T) {
	ops := []porcupine.Operation{
		op(0, Input{Kind: "create", Value: "a"}, Output{Result: "ok", Version: 1}, 0, 1),
		op(0, Input{Kind: "update", Value: "b"}, Output{Result: "ok", Version: 2}, 2, 3),
		op(1, Input{Kind: "read"}, Output{Result: "ok", Version: 2, Value: "b"}, 4, 5),
		op(1, Input{Kind: "read", Version: intp(1)}, Output{Result: "ok", Version: 1, Value: "a"}, 6, 7),
		op(0, Input{Kind: "update", Value: "c", ExpectedVersion: intp(1)}, Output{Result: "version-conflict", Current: 2}, 8, 9),
		op(0, Input{Kind: "delete"}, Output{Result: "ok"}, 10, 11),
		op(1, Input{Kind: "read"}, Output{Result: "not-found"}, 12, 13),
		op(0, Input{Kind: "create", Value: "d"}, Output{Result: "ok", Version: 1}, 14, 15),
		op(1, Input{Kind: "history"}, Output{Result: "ok", Count: 1}, 16, 17),
	}
	if !porcupine.CheckOperations(model.ToModel(), ops) {
		t.Fatal("a sequential, correct history was judged not linearizable")
	}
}

func TestStaleReadAfterAcknowledgedWriteIsCaught(t *testing.T) {
	ops := []porcupine.Operation{
		op(0, Input{Kind: "create", Value: "a"}, Output{Result: "ok", Version: 1}, 0, 1),
		op(0, Input{Kind: "update", Value: "b"}, Output{Result: "ok", Version: 2}, 2, 3),
		op(1, Input{Kind: "read"}, Output{Result: "ok", Version: 1, Value: "a"}, 4, 5),
	}
	if porcupine.CheckOperations(model.ToModel(), ops) {
		t.Fatal("a read that went back in time passed")
	}
}

func TestReadsMayNotGoBackInTimeEvenDuringAnUnfinishedWrite(t *testing.T) {
	ops := []porcupine.Operation{
		op(0, Input{Kind: "create", Value: "a"}, Output{Result: "ok", Version: 1}, 0, 1),
		op(0, Input{Kind: "update", Value: "b"}, Output{Result: "unknown"}, 2, 1000),
		op(1, Input{Kind: "read"}, Output{Result: "ok", Version: 2, Value: "b"}, 4, 5),
		op(2, Input{Kind: "read"}, Output{Result: "ok", Version: 1, Value: "a"}, 6, 7),
	}
	if porcupine.CheckOperations(model.ToModel(), ops) {
		t.Fatal("v2 then v1 passed")
	}
	ok := []porcupine.Operation{ops[0], ops[1], ops[3], ops[2]}
	ok[2].Call, ok[2].Return, ok[3].Call, ok[3].Return = 4, 5, 6, 7
	if !porcupine.CheckOperations(model.ToModel(), ok) {
		t.Fatal("v1 then v2 during an unknown write was refused")
	}
}

func TestUnknownWriteMayOrMayNotHaveHappened(t *testing.T) {
	base := []porcupine.Operation{
		op(0, Input{Kind: "create", Value: "a"}, Output{Result: "unknown"}, 0, 100),
	}
	happened := append(base, op(1, Input{Kind: "read"}, Output{Result: "ok", Version: 1, Value: "a"}, 200, 201))
	didNot := append(base, op(1, Input{Kind: "read"}, Output{Result: "not-found"}, 200, 201))
	if !porcupine.CheckOperations(model.ToModel(), happened) || !porcupine.CheckOperations(model.ToModel(), didNot) {
		t.Fatal("an unknown outcome must allow both")
	}
	wrong := append(base, op(1, Input{Kind: "read"}, Output{Result: "ok", Version: 1, Value: "zz"}, 200, 201))
	if porcupine.CheckOperations(model.ToModel(), wrong) {
		t.Fatal("a value never written passed")
	}
}

func TestVersionUsedTwiceIsCaught(t *testing.T) {
	ops := []porcupine.Operation{
		op(0, Input{Kind: "create", Value: "a"}, Output{Result: "ok", Version: 1}, 0, 1),
		op(0, Input{Kind: "update", Value: "b"}, Output{Result: "ok", Version: 2}, 2, 3),
		op(1, Input{Kind: "update", Value: "c"}, Output{Result: "ok", Version: 2}, 4, 5),
	}
	if porcupine.CheckOperations(model.ToModel(), ops) {
		t.Fatal("two writes of version 2 passed")
	}
}

func TestDeletedNameReadingBackIsCaught(t *testing.T) {
	ops := []porcupine.Operation{
		op(0, Input{Kind: "create", Value: "a"}, Output{Result: "ok", Version: 1}, 0, 1),
		op(0, Input{Kind: "delete"}, Output{Result: "ok"}, 2, 3),
		op(1, Input{Kind: "read"}, Output{Result: "ok", Version: 1, Value: "a"}, 4, 5),
	}
	if porcupine.CheckOperations(model.ToModel(), ops) {
		t.Fatal("a deleted name read back")
	}
}
