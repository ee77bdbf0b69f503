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
