package provider_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"golang.org/x/crypto/ssh"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
)

const deployKeyAddress = "divio_repository_deploy_key.key"

func deployKeyConfig(cp *acctest.ControlPlane, keyType string) string {
	keyTypeLine := ""
	if keyType != "" {
		keyTypeLine = fmt.Sprintf("  key_type    = %q\n", keyType)
	}
	return cp.ProviderBlock() + applicationBySlug + `
resource "divio_repository_deploy_key" "key" {
  application = data.divio_application.app.id
` + keyTypeLine + "}\n"
}

func TestAccRepositoryDeployKey_lifecycle(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	var firstID string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		CheckDestroy:             checkDeployKeysDestroyed(cp),
		Steps: []resource.TestStep{
			{
				Config: deployKeyConfig(cp, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deployKeyAddress, tfjsonpath.New("key_type"), knownvalue.StringExact("ed25519")),
					statecheck.ExpectKnownValue(deployKeyAddress, tfjsonpath.New("application"), knownvalue.StringExact(cp.AppID(acctest.AppSlug))),
					statecheck.ExpectKnownValue(deployKeyAddress, tfjsonpath.New("public_key"), knownvalue.StringRegexp(regexp.MustCompile(`^ssh-ed25519 AAAA[A-Za-z0-9+/=]+$`))),
					statecheck.ExpectKnownValue(deployKeyAddress, tfjsonpath.New("fingerprint_sha256"), knownvalue.StringRegexp(regexp.MustCompile(`^SHA256:[A-Za-z0-9+/]{43}$`))),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkFingerprintMatchesPublicKey(deployKeyAddress),
					checkDeployKeyMatchesAPI(cp, deployKeyAddress),
					func(s *terraform.State) error {
						firstID = s.RootModule().Resources[deployKeyAddress].Primary.ID
						return nil
					},
				),
			},
			{
				ResourceName:      deployKeyAddress,
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				ResourceName:    deployKeyAddress,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
			},
			{
				// Changing the key type rotates the key: a replacement, not an update.
				Config: deployKeyConfig(cp, "rsa"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(deployKeyAddress, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestMatchResourceAttr(deployKeyAddress, "public_key", regexp.MustCompile(`^ssh-rsa AAAA`)),
					checkFingerprintMatchesPublicKey(deployKeyAddress),
					func(s *terraform.State) error {
						if s.RootModule().Resources[deployKeyAddress].Primary.ID == firstID {
							return errors.New("key type change kept the same key")
						}
						if _, err := cp.Client().GetDeployKey(context.Background(), firstID); !divioapi.IsNotFound(err) {
							return fmt.Errorf("replaced key %s still exists (err=%v)", firstID, err)
						}
						return nil
					},
				),
			},
			{
				Config: deployKeyConfig(cp, "ecdsa"),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestMatchResourceAttr(deployKeyAddress, "public_key", regexp.MustCompile(`^ecdsa-sha2-nistp256 AAAA`)),
					checkFingerprintMatchesPublicKey(deployKeyAddress),
				),
			},
		},
	})
}

func TestAccRepositoryDeployKey_driftRecreates(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	var id string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		CheckDestroy:             checkDeployKeysDestroyed(cp),
		Steps: []resource.TestStep{
			{
				Config: deployKeyConfig(cp, ""),
				Check: func(s *terraform.State) error {
					id = s.RootModule().Resources[deployKeyAddress].Primary.ID
					return nil
				},
			},
			{
				// Someone deletes the key outside Terraform: the next plan creates it again.
				PreConfig: func() {
					if err := cp.Client().DeleteDeployKey(context.Background(), id); err != nil {
						t.Fatalf("delete out of band: %v", err)
					}
				},
				Config: deployKeyConfig(cp, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(deployKeyAddress, plancheck.ResourceActionCreate)},
				},
				Check: resource.TestCheckResourceAttrWith(deployKeyAddress, "id", func(v string) error {
					if v == id {
						return errors.New("the deleted key's id came back")
					}
					return nil
				}),
			},
		},
	})
}

// TestAccRepositoryDeployKey_oneRequestPerRefresh pins the cost of a refresh:
// exactly one API request per deploy key.
func TestAccRepositoryDeployKey_oneRequestPerRefresh(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	const keys = 3
	config := cp.ProviderBlock() + fmt.Sprintf(`
resource "divio_repository_deploy_key" "key" {
  count       = %d
  application = %q
}
`, keys, cp.AppID(acctest.AppSlug))
	var mark int
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig:    func() { mark = cp.Requests.Mark() },
				RefreshState: true,
				Check: func(*terraform.State) error {
					requests := cp.Requests.Since(mark)
					if len(requests) != keys || acctest.CountPrefix(requests, "GET /apps/v3/deploy-keys/") != keys {
						return fmt.Errorf("refresh of %d deploy keys made %d requests, want %d: %v", keys, len(requests), keys, requests)
					}
					return nil
				},
			},
		},
	})
}

func TestAccRepositoryDeployKey_badInputs(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	keyFor := func(application, extra string) string {
		return cp.ProviderBlock() + fmt.Sprintf("resource \"divio_repository_deploy_key\" \"key\" {\n  application = %q\n%s}\n", application, extra)
	}
	appID := cp.AppID(acctest.AppSlug)
	cases := []struct {
		name   string
		config string
		want   string
	}{
		{"unknown key type", keyFor(appID, "  key_type = \"dsa\"\n"), `(?s)key_type.*value must be one of.*"ed25519"`},
		{"upper-case key type", keyFor(appID, "  key_type = \"ED25519\"\n"), `(?s)key_type.*value must be one of`},
		{"application not a uuid", keyFor("acme-web", ""), `(?s)Invalid identifier.*not a UUID`},
		{"application of another organisation", keyFor(cp.AppID(acctest.OtherOrgAppSlug), ""), `(?s)Could not create the deploy key.*does not exist`},
		{"missing application", cp.ProviderBlock() + "resource \"divio_repository_deploy_key\" \"key\" {}\n", `(?s)Missing required argument.*application`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
				Steps:                    []resource.TestStep{{Config: c.config, ExpectError: regexp.MustCompile(c.want)}},
			})
		})
	}
	// Nothing half-made is left behind by the failed creates.
	keys, err := cp.Client().ListDeployKeys(context.Background(), divioapi.DeployKeyFilter{Application: appID})
	if err != nil || len(keys) != 0 {
		t.Fatalf("failed creates left keys behind: %v (err=%v)", keys, err)
	}
}

func TestAccRepositoryDeployKey_importBadID(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:        deployKeyConfig(cp, ""),
				ResourceName:  deployKeyAddress,
				ImportState:   true,
				ImportStateId: "not-a-uuid",
				ExpectError:   regexp.MustCompile(`(?s)Invalid import ID.*not a UUID`),
			},
		},
	})
}

// checkFingerprintMatchesPublicKey recomputes the fingerprint from the
// public key, so the two attributes cannot disagree.
func checkFingerprintMatchesPublicKey(address string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		attrs := s.RootModule().Resources[address].Primary.Attributes
		pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(attrs["public_key"]))
		if err != nil {
			return fmt.Errorf("public_key is not an authorized_keys line: %v", err)
		}
		if got, want := attrs["fingerprint_sha256"], ssh.FingerprintSHA256(pub); got != want {
			return fmt.Errorf("fingerprint_sha256 = %s, public key's is %s", got, want)
		}
		return nil
	}
}

// checkDeployKeyMatchesAPI compares state with what the control plane holds.
func checkDeployKeyMatchesAPI(cp *acctest.ControlPlane, address string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		attrs := s.RootModule().Resources[address].Primary.Attributes
		key, err := cp.Client().GetDeployKey(context.Background(), attrs["id"])
		if err != nil {
			return err
		}
		if key.PublicKey != attrs["public_key"] || key.FingerprintSHA256 != attrs["fingerprint_sha256"] || key.Application != attrs["application"] {
			return fmt.Errorf("state %v differs from the API's key %+v", attrs, key)
		}
		return nil
	}
}

func checkDeployKeysDestroyed(cp *acctest.ControlPlane) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "divio_repository_deploy_key" {
				continue
			}
			if _, err := cp.Client().GetDeployKey(context.Background(), rs.Primary.ID); !divioapi.IsNotFound(err) {
				return fmt.Errorf("deploy key %s still exists after destroy (err=%v)", rs.Primary.ID, err)
			}
		}
		return nil
	}
}
