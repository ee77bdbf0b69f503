// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"fmt"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane"
)

// Names of the catalogue entries the seed has beside PlanGroupName and
// RegionName (the seed's defaults).
const (
	ProPlanGroupName = "Pro"
	USRegionName     = "us-east"
)

// HandMadeApplications are n applications as an organisation set them up
// by hand in the Control Panel, on Divio's own Git server: slugs
// <prefix>-01, <prefix>-02, …, names "<prefix> app 01", …; every fourth on
// ProPlanGroupName in USRegionName, the others on PlanGroupName in
// RegionName; environments test and live, test tracking develop in every
// third and main elsewhere, live tracking main.
func HandMadeApplications(prefix string, n int) []controlplane.SeedApplication {
	apps := make([]controlplane.SeedApplication, 0, n)
	for i := 1; i <= n; i++ {
		app := controlplane.SeedApplication{
			Slug: fmt.Sprintf("%s-%02d", prefix, i), Name: fmt.Sprintf("%s app %02d", prefix, i),
			PlanGroup: PlanGroupName, Region: RegionName,
			Environments: []controlplane.SeedEnvironment{{Slug: "test", Branch: "main"}, {Slug: "live", Branch: "main"}},
		}
		if i%4 == 0 {
			app.PlanGroup, app.Region = ProPlanGroupName, USRegionName
		}
		if i%3 == 0 {
			app.Environments[0].Branch = "develop"
		}
		apps = append(apps, app)
	}
	return apps
}
