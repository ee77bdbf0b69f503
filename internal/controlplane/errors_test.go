package controlplane

import (
	"net/http"
	"strings"
	"testing"
)

func TestRequestBodyErrors(t *testing.T) {
	ts := newTestServer(t)
	app := ts.seed.Organisations["Acme"]
	cases := map[string]struct {
		body   string
		status int
		want   string
	}{
		"malformed":      {`{"organisation": `, http.StatusBadRequest, `{"non_field_errors": ["JSON parse error - unexpected EOF."]}`},
		"unknown field":  {`{"organisation": "` + app + `", "colour": "red"}`, http.StatusBadRequest, `{"non_field_errors": ["JSON parse error - unknown field \"colour\"."]}`},
		"not an object":  {`["x"]`, http.StatusBadRequest, `{"non_field_errors": ["Invalid data. Expected a dictionary, but got array."]}`},
		"wrong type":     {`{"organisation": 42}`, http.StatusBadRequest, `{"organisation": ["Incorrect type. Expected string, but got number."]}`},
		"trailing data":  {`{"organisation": "` + app + `"} {}`, http.StatusBadRequest, `{"non_field_errors": ["JSON parse error - unexpected data after the JSON object."]}`},
		"empty is {}":    {``, http.StatusBadRequest, `{"organisation": ["This field is required."], "url": ["This field is required."]}`},
		"larger than 1M": {`{"organisation": "` + strings.Repeat("a", maxBodyBytes) + `"}`, http.StatusRequestEntityTooLarge, `{"detail": "Request body is larger than 1 MiB."}`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken, tc.body).expectJSON(t, tc.status, tc.want)
		})
	}
}

// Every answer is JSON in the documented shape: a body of another type is
// refused with 415, long input is not echoed back whole, and paths the
// router would clean (.., //) are not answered with a plain-text redirect.
func TestAPIHygiene(t *testing.T) {
	ts := newTestServer(t)
	acme := ts.seed.Organisations["Acme"]
	ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken, `{"organisation": "`+acme+`", "url": "git@github.com:acme/x.git"}`,
		"Content-Type", "text/plain").
		expectJSON(t, http.StatusUnsupportedMediaType, `{"detail": "Unsupported media type \"text/plain\" in request."}`)
	var list listResponse[repositoryView]
	ts.get("/apps/v3/repositories/", http.StatusOK, &list)
	if list.Count != 0 {
		t.Fatalf("a text/plain body created %d repositories", list.Count)
	}

	long := strings.Repeat("x", 1<<20)
	resp := ts.request(http.MethodGet, "/apps/v3/applications/?organisation="+long, adaToken, nil)
	if resp.status != http.StatusBadRequest || len(resp.body) > 1024 || !strings.Contains(string(resp.body), "…") {
		t.Fatalf("a 1 MiB id: %d, %d bytes of answer", resp.status, len(resp.body))
	}

	for _, path := range []string{"/apps/v3/../iam/v3/me/", "/apps//v3/applications/", "/apps/v3/applications/./"} {
		resp := ts.request(http.MethodGet, path, adaToken, nil)
		if ct := resp.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") || resp.status/100 == 3 {
			t.Errorf("GET %s: %d %q %s; want a JSON answer, not a redirect", path, resp.status, ct, resp.body)
		}
	}
}
