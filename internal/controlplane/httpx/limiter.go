// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package httpx

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// KeyedLimiter is a token bucket per key (a webhook, a source address),
// each refilled at Rate a second up to Burst. It keeps at most
// maxBuckets: then the buckets that are full again are forgotten (a new
// one would be the same), and if that is not enough, all of them, so that
// a flood from many addresses costs bounded memory (at the price of
// forgetting what the senders had spent).
type KeyedLimiter struct {
	Rate  rate.Limit
	Burst int

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

// maxBuckets is how many buckets a KeyedLimiter keeps at most.
const maxBuckets = 10_000

// Allow takes a token of key's bucket, reporting false when it is empty.
func (l *KeyedLimiter) Allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[string]*rate.Limiter{}
	}
	bucket := l.buckets[key]
	if bucket == nil {
		if len(l.buckets) >= maxBuckets {
			l.forgetFull(time.Now())
		}
		if len(l.buckets) >= maxBuckets {
			clear(l.buckets)
		}
		bucket = rate.NewLimiter(l.Rate, l.Burst)
		l.buckets[key] = bucket
	}
	return bucket.Allow()
}

// forgetFull drops the buckets that have refilled: a new bucket for their
// key would be the same.
func (l *KeyedLimiter) forgetFull(now time.Time) {
	for key, bucket := range l.buckets {
		if bucket.TokensAt(now) >= float64(l.Burst) {
			delete(l.buckets, key)
		}
	}
}
