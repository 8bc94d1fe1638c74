// End-to-end tests of the generated Go client against a real cluster. `npm test` starts a
// 5-replica cluster and runs them with VAULT_URLS (every replica's URL, comma-separated)
// and VAULT_TOKEN set (test/sdk/sdks.e2e-spec.ts).
package vault_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	vault "vault/sdk/go"
)

type cluster struct {
	clients []*vault.ClientWithResponses
}

func connect(t *testing.T, token string) cluster {
	t.Helper()
	urls := strings.Split(os.Getenv("VAULT_URLS"), ",")
	if os.Getenv("VAULT_URLS") == "" || os.Getenv("VAULT_TOKEN") == "" {
		t.Fatal("VAULT_URLS and VAULT_TOKEN are not set: run through `npm test` (test/sdk/sdks.e2e-spec.ts starts the cluster)")
	}
	var c cluster
	for _, url := range urls {
		client, err := vault.NewClientWithResponses(url, vault.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+token)
			return nil
		}))
		if err != nil {
			t.Fatal(err)
		}
		c.clients = append(c.clients, client)
	}
	if len(c.clients) < 5 {
		t.Fatalf("want 5 replicas, got %d", len(c.clients))
	}
	return c
}

func uniqueName(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s_%s", prefix, hex.EncodeToString(b))
}

func ptr[T any](v T) *T { return &v }

func TestSecretLifecycle(t *testing.T) {
	ctx := context.Background()
	c := connect(t, os.Getenv("VAULT_TOKEN"))
	name := uniqueName("GO_LIFECYCLE")

	created, err := c.clients[0].CreateSecretWithResponse(ctx, nil, vault.CreateSecretJSONRequestBody{Name: name, Value: "v1"})
	if err != nil || created.JSON201 == nil {
		t.Fatalf("create: %v %s", err, created.Body)
	}
	if created.JSON201.Version != 1 || created.JSON201.Name != name {
		t.Fatalf("create answered %+v", created.JSON201)
	}
	if loc := created.HTTPResponse.Header.Get("Location"); loc != "/v1/secrets/"+name {
		t.Fatalf("Location %q", loc)
	}

	latest, err := c.clients[1].GetSecretWithResponse(ctx, name, nil)
	if err != nil || latest.JSON200 == nil {
		t.Fatalf("read: %v %s", err, latest.Body)
	}
	if latest.JSON200.Value != "v1" || latest.JSON200.Version != 1 || latest.JSON200.ValidTo != nil {
		t.Fatalf("read answered %+v", latest.JSON200)
	}

	// An update without expectedVersion, then one with the current version.
	v2, err := c.clients[2].UpdateSecretWithResponse(ctx, name, nil, vault.UpdateSecretJSONRequestBody{Value: "v2"})
	if err != nil || v2.JSON200 == nil || v2.JSON200.Version != 2 {
		t.Fatalf("update: %v %s", err, v2.Body)
	}
	v3, err := c.clients[3].UpdateSecretWithResponse(ctx, name, nil, vault.UpdateSecretJSONRequestBody{Value: "v3", ExpectedVersion: ptr(2)})
	if err != nil || v3.JSON200 == nil || v3.JSON200.Version != 3 {
		t.Fatalf("update with expectedVersion: %v %s", err, v3.Body)
	}

	// A stale expectedVersion is a typed 409 VERSION_CONFLICT.
	stale, err := c.clients[4].UpdateSecretWithResponse(ctx, name, nil, vault.UpdateSecretJSONRequestBody{Value: "v4", ExpectedVersion: ptr(1)})
	if err != nil {
		t.Fatal(err)
	}
	if stale.StatusCode() != 409 || stale.JSON409 == nil || stale.JSON409.Code != vault.ErrorCodeVERSIONCONFLICT {
		t.Fatalf("stale update: %d %s", stale.StatusCode(), stale.Body)
	}
	if stale.JSON409.CurrentVersion == nil || *stale.JSON409.CurrentVersion != 3 {
		t.Fatalf("VERSION_CONFLICT without currentVersion 3: %s", stale.Body)
	}

	first, err := c.clients[4].GetSecretWithResponse(ctx, name, &vault.GetSecretParams{Version: ptr(1)})
	if err != nil || first.JSON200 == nil {
		t.Fatalf("read version 1: %v %s", err, first.Body)
	}
	if first.JSON200.Value != "v1" || first.JSON200.ValidTo == nil || !first.JSON200.ValidTo.Equal(v2.JSON200.ValidFrom) {
		t.Fatalf("version 1 answered %+v", first.JSON200)
	}
	now, err := c.clients[0].GetSecretWithResponse(ctx, name, nil)
	if err != nil || now.JSON200 == nil || now.JSON200.Value != "v3" || now.JSON200.Version != 3 {
		t.Fatalf("latest after updates: %v %s", err, now.Body)
	}

	history, err := c.clients[1].ListSecretVersionsWithResponse(ctx, name)
	if err != nil || history.JSON200 == nil {
		t.Fatalf("history: %v %s", err, history.Body)
	}
	versions := history.JSON200.Versions
	if len(versions) != 3 {
		t.Fatalf("history has %d versions: %s", len(versions), history.Body)
	}
	for i, v := range versions {
		if v.Version != i+1 {
			t.Fatalf("history out of order: %s", history.Body)
		}
		if i < 2 && (v.ValidTo == nil || !v.ValidTo.Equal(versions[i+1].ValidFrom)) {
			t.Fatalf("validTo of version %d is not the next validFrom: %s", v.Version, history.Body)
		}
	}
	if versions[2].ValidTo != nil {
		t.Fatalf("the current version has a validTo: %s", history.Body)
	}

	deleted, err := c.clients[2].DeleteSecretWithResponse(ctx, name, nil)
	if err != nil || deleted.JSON200 == nil {
		t.Fatalf("delete: %v %s", err, deleted.Body)
	}
	if !deleted.JSON200.Deleted || deleted.JSON200.ShardsDestroyed < deleted.JSON200.DestroyThreshold || deleted.JSON200.DestroyThreshold != 3 {
		t.Fatalf("delete answered %+v", deleted.JSON200)
	}
	gone, err := c.clients[3].GetSecretWithResponse(ctx, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	if gone.StatusCode() != 404 || gone.JSON404 == nil || gone.JSON404.Code != vault.ErrorCodeSECRETNOTFOUND {
		t.Fatalf("read after delete: %d %s", gone.StatusCode(), gone.Body)
	}
}

func TestIdempotencyKeyRetriedOnAnotherReplica(t *testing.T) {
	ctx := context.Background()
	c := connect(t, os.Getenv("VAULT_TOKEN"))
	name := uniqueName("GO_IDEMPOTENT")
	key := uniqueName("go-key")
	body := vault.CreateSecretJSONRequestBody{Name: name, Value: "once"}

	first, err := c.clients[0].CreateSecretWithResponse(ctx, &vault.CreateSecretParams{IdempotencyKey: &key}, body)
	if err != nil || first.JSON201 == nil {
		t.Fatalf("create: %v %s", err, first.Body)
	}
	retry, err := c.clients[3].CreateSecretWithResponse(ctx, &vault.CreateSecretParams{IdempotencyKey: &key}, body)
	if err != nil || retry.JSON201 == nil {
		t.Fatalf("retry on another replica: %v %d %s", err, retry.StatusCode(), retry.Body)
	}
	if retry.JSON201.Version != 1 || !retry.JSON201.ValidFrom.Equal(first.JSON201.ValidFrom) {
		t.Fatalf("the retry is not the first answer: %s vs %s", retry.Body, first.Body)
	}
	history, err := c.clients[1].ListSecretVersionsWithResponse(ctx, name)
	if err != nil || history.JSON200 == nil || len(history.JSON200.Versions) != 1 {
		t.Fatalf("the retry wrote something: %v %s", err, history.Body)
	}
	// Without the key, the same create is refused: the name exists.
	again, err := c.clients[2].CreateSecretWithResponse(ctx, nil, body)
	if err != nil || again.JSON409 == nil || again.JSON409.Code != vault.ErrorCodeSECRETALREADYEXISTS {
		t.Fatalf("create without the key: %v %d %s", err, again.StatusCode(), again.Body)
	}
	reused, err := c.clients[4].CreateSecretWithResponse(ctx, &vault.CreateSecretParams{IdempotencyKey: &key}, vault.CreateSecretJSONRequestBody{Name: name, Value: "other"})
	if err != nil || reused.JSON422 == nil || reused.JSON422.Code != vault.ErrorCodeIDEMPOTENCYKEYREUSED {
		t.Fatalf("same key, other body: %v %d %s", err, reused.StatusCode(), reused.Body)
	}
}

func TestEnvBothForms(t *testing.T) {
	ctx := context.Background()
	c := connect(t, os.Getenv("VAULT_TOKEN"))
	ref := uniqueName("GO_ENV_REF")
	enc := uniqueName("GO_ENV_ENC")
	if r, err := c.clients[0].CreateSecretWithResponse(ctx, nil, vault.CreateSecretJSONRequestBody{Name: ref, Value: "resolved-value"}); err != nil || r.JSON201 == nil {
		t.Fatalf("create: %v", err)
	}

	asJSON, err := c.clients[1].ApplyEnvFileWithResponse(ctx, nil, vault.ApplyEnvFileJSONRequestBody{
		Content: fmt.Sprintf("%s=enc(made-here)\nREF=secret(%s)\n", enc, ref),
	})
	if err != nil || asJSON.JSON200 == nil {
		t.Fatalf("env as JSON: %v %d %s", err, asJSON.StatusCode(), asJSON.Body)
	}
	if asJSON.JSON200.Content != fmt.Sprintf("%s=secret(%s)\nREF=resolved-value\n", enc, enc) ||
		len(asJSON.JSON200.Created) != 1 || asJSON.JSON200.Created[0] != enc ||
		len(asJSON.JSON200.Resolved) != 1 || asJSON.JSON200.Resolved[0] != ref {
		t.Fatalf("env as JSON answered %s", asJSON.Body)
	}

	asText, err := c.clients[2].ApplyEnvFileWithTextBodyWithResponse(ctx, nil, fmt.Sprintf("A=secret(%s)\nB=secret(%s)\n", ref, enc))
	if err != nil {
		t.Fatal(err)
	}
	if asText.StatusCode() != 200 || !strings.HasPrefix(asText.HTTPResponse.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("env as text: %d %s", asText.StatusCode(), asText.Body)
	}
	if string(asText.Body) != "A=resolved-value\nB=made-here\n" {
		t.Fatalf("env as text answered %q", asText.Body)
	}

	unresolved, err := c.clients[3].ApplyEnvFileWithTextBodyWithResponse(ctx, nil, "X=secret(GO_NOWHERE_TO_BE_FOUND)\n")
	if err != nil || unresolved.JSON422 == nil || unresolved.JSON422.Code != vault.ErrorCodeENVREFERENCEUNRESOLVED {
		t.Fatalf("unresolved reference: %v %d %s", err, unresolved.StatusCode(), unresolved.Body)
	}
}

func TestTypedErrors(t *testing.T) {
	ctx := context.Background()
	c := connect(t, os.Getenv("VAULT_TOKEN"))

	missing, err := c.clients[0].GetSecretWithResponse(ctx, uniqueName("GO_MISSING"), nil)
	if err != nil || missing.JSON404 == nil || missing.JSON404.Code != vault.ErrorCodeSECRETNOTFOUND {
		t.Fatalf("missing secret: %v %d %s", err, missing.StatusCode(), missing.Body)
	}
	if missing.JSON404.RequestId == "" || missing.JSON404.RequestId != missing.HTTPResponse.Header.Get("X-Request-Id") {
		t.Fatalf("error without its request id: %s", missing.Body)
	}

	invalid, err := c.clients[1].CreateSecretWithResponse(ctx, nil, vault.CreateSecretJSONRequestBody{Name: "9-not-a-name", Value: "x"})
	if err != nil || invalid.JSON400 == nil || invalid.JSON400.Code != vault.ErrorCodeVALIDATIONFAILED {
		t.Fatalf("invalid name: %v %d %s", err, invalid.StatusCode(), invalid.Body)
	}
	if invalid.JSON400.Details == nil || len(*invalid.JSON400.Details) == 0 || (*invalid.JSON400.Details)[0].Field == nil || *(*invalid.JSON400.Details)[0].Field != "name" {
		t.Fatalf("VALIDATION_FAILED without the field: %s", invalid.Body)
	}

	anonymous := connect(t, "not-the-token")
	refused, err := anonymous.clients[2].GetSecretWithResponse(ctx, "ANYTHING", nil)
	if err != nil || refused.JSON401 == nil || refused.JSON401.Code != vault.ErrorCodeUNAUTHENTICATED {
		t.Fatalf("wrong token: %v %d %s", err, refused.StatusCode(), refused.Body)
	}
}

func TestTokenWithAPolicy(t *testing.T) {
	ctx := context.Background()
	c := connect(t, os.Getenv("VAULT_TOKEN"))
	name := uniqueName("GO_TOKEN")
	if created, err := c.clients[0].CreateSecretWithResponse(ctx, nil, vault.CreateSecretJSONRequestBody{Name: name, Value: "team-value"}); err != nil || created.JSON201 == nil {
		t.Fatalf("create secret: %v", err)
	}
	rules := []vault.PolicyRule{{Effect: vault.PolicyEffectAllow, Capabilities: []vault.Capability{vault.CapabilityRead}, Names: []string{name}}}
	created, err := c.clients[0].CreateTokenWithResponse(ctx, nil, vault.CreateTokenJSONRequestBody{Name: "go-sdk", Rules: rules})
	if err != nil || created.JSON201 == nil || created.JSON201.Token == nil || !strings.HasPrefix(*created.JSON201.Token, "vt_") {
		t.Fatalf("create token: %v %s", err, created.Body)
	}

	team := connect(t, *created.JSON201.Token)
	read, err := team.clients[1].GetSecretWithResponse(ctx, name, nil)
	if err != nil || read.JSON200 == nil || read.JSON200.Value != "team-value" {
		t.Fatalf("read with the token: %v %s", err, read.Body)
	}
	denied, err := team.clients[1].DeleteSecretWithResponse(ctx, name, nil)
	if err != nil || denied.JSON403 == nil || denied.JSON403.Code != vault.ErrorCodeFORBIDDEN || denied.JSON403.Capability == nil || *denied.JSON403.Capability != "delete" {
		t.Fatalf("delete outside the policy: %v %s", err, denied.Body)
	}

	revoked, err := c.clients[2].RevokeTokenWithResponse(ctx, created.JSON201.Id, nil)
	if err != nil || revoked.JSON200 == nil || !revoked.JSON200.Revoked {
		t.Fatalf("revoke: %v %s", err, revoked.Body)
	}
	refused, err := team.clients[3].GetSecretWithResponse(ctx, name, nil)
	if err != nil || refused.JSON401 == nil || refused.JSON401.Code != vault.ErrorCodeUNAUTHENTICATED {
		t.Fatalf("read with the revoked token: %v %s", err, refused.Body)
	}
}
