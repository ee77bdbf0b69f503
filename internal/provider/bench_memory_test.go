// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
)

// The provider's peak RSS during a plan of 500 divio_repository, next to a
// do-nothing framework provider's (internal/testinfra/emptyprovider) during a
// plan of 500 of its empty_repository, and next to the same provider started
// for a plan that sends it no resource (500 terraform_data). Each runs as the
// CLI runs it, a separate process (dev_overrides), and /proc's VmHWM is read
// while the plan runs. Goal: ≤ 1.1× the do-nothing provider. The providers
// are built from this tree, so the divio one turns off the logs the CLI
// drops (main.go), where the do-nothing one keeps the framework's default.
func TestBenchProviderMemory(t *testing.T) {
	b := newBenchCLI(t)
	cp := acctest.StartControlPlane(t)
	arguments := repositoryArguments(cp.OrgID(acctest.OrgName))
	divio := b.dir(t, cp.ProviderBlock()+benchBlocks(500, 500, "divio_repository", arguments))
	empty := b.dir(t, benchBlocks(500, 500, "empty_repository", arguments))
	// The do-nothing provider configured, so started, but sent no resource.
	idle := b.dir(t, "terraform {\n  required_providers {\n    empty = { source = \"bench/empty\" }\n  }\n}\n"+
		"provider \"empty\" {}\n"+benchBlocks(500, 500, "terraform_data", "input = each.key"))
	for _, d := range []*benchCLIDir{divio, empty, idle} {
		d.run(t, "apply", "-auto-approve", "-parallelism=50")
	}

	// Three rounds, taking turns; the median of each (these machines are noisy).
	var divioPeaks, emptyPeaks, idlePeaks []int
	for range 3 {
		divioPeaks = append(divioPeaks, divio.measure(t, b.provider("divio"), "plan", "-parallelism=50").peakKiB)
		emptyPeaks = append(emptyPeaks, empty.measure(t, b.provider("empty"), "plan", "-parallelism=50").peakKiB)
		idlePeaks = append(idlePeaks, idle.measure(t, b.provider("empty"), "plan", "-parallelism=50").peakKiB)
	}
	divioPeak, emptyPeak, idlePeak := median(divioPeaks), median(emptyPeaks), median(idlePeaks)
	t.Logf("peaks (KiB): divio %v, do-nothing %v, idle %v", divioPeaks, emptyPeaks, idlePeaks)
	table := fmt.Sprintf("| plan of 500 | peak RSS (median of 3) | ratio |\n|---|---|---|\n"+
		"| divio_repository, this provider | %d KiB | %.2f× |\n"+
		"| empty_repository, a do-nothing framework provider (same attributes, no I/O) | %d KiB | 1 |\n"+
		"| terraform_data, the do-nothing provider started but sent no resource | %d KiB | %.2f× |",
		divioPeak, float64(divioPeak)/float64(emptyPeak), emptyPeak, idlePeak, float64(idlePeak)/float64(emptyPeak))
	writeBenchReport(t, "memory", table)
}

func median(values []int) int {
	sorted := slices.Sorted(slices.Values(values))
	return sorted[len(sorted)/2]
}
