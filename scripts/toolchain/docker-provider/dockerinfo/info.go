// Package dockerinfo describes how the upstream Terraform Docker provider is
// exposed to Pulumi. It mirrors the token and field names used by the
// published pulumi_docker SDK so that SDK can drive this plugin.
package dockerinfo

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"

	// Added to the upstream module at build time (see docker_plugin.sh): it
	// re-exports the SDKv2 provider from upstream's internal package.
	"github.com/terraform-providers/terraform-provider-docker/shim"
)

// Version is the provider version reported to the engine. Overridden with
// -ldflags "-X .../dockerinfo.Version=...".
var Version = "5.2.0"

func res(name string) tfbridge.ResourceInfo {
	return tfbridge.ResourceInfo{Tok: tfbridge.MakeResource("docker", "index", name)}
}

// Provider returns the bridge description of the docker provider.
func Provider() tfbridge.ProviderInfo {
	container := res("Container")
	container.DeleteBeforeReplace = true
	container.Fields = map[string]*tfbridge.SchemaInfo{
		// A single command given as a list: keep it singular, as pulumi_docker does.
		"command": {Name: "command"},
		// Keep the TF name's plural form the SDK uses.
		"networks_advanced": {Name: "networksAdvanced"},
	}
	image := res("RemoteImage") // docker_image is RemoteImage in pulumi_docker
	image.Fields = map[string]*tfbridge.SchemaInfo{"name": {Name: "name"}}

	resources := map[string]*tfbridge.ResourceInfo{
		"docker_container": &container,
		"docker_image":     &image,
		"docker_config":    ptr(res("ServiceConfig")),
	}
	dataSources := map[string]*tfbridge.DataSourceInfo{
		"docker_image": {Tok: tfbridge.MakeDataSource("docker", "index", "getRemoteImage")},
	}

	prov := tfbridge.ProviderInfo{
		P:           shimv2.NewProvider(shim.NewProvider()),
		Name:        "docker",
		Version:     Version,
		Description: "A Pulumi package for interacting with Docker in Pulumi programs",
		Keywords:    []string{"pulumi", "docker"},
		License:     "Apache-2.0",
		GitHubOrg:   "kreuzwerker",
		Repository:  "https://github.com/pulumi/pulumi-docker",
		Config: map[string]*tfbridge.SchemaInfo{
			"host": {Default: &tfbridge.DefaultInfo{
				Value:   "unix:///var/run/docker.sock",
				EnvVars: []string{"DOCKER_HOST"},
			}},
			"registry_auth": {Name: "registryAuth", MaxItemsOne: tfbridge.False()},
		},
		Resources:   resources,
		DataSources: dataSources,
	}
	// Every other docker_foo becomes docker:index/foo:Foo (data sources getFoo).
	prov.MustComputeTokens(tokens.SingleModule("docker_", "index", tokens.MakeStandard("docker")))
	prov.SetAutonaming(255, "-")
	return prov
}

func ptr[T any](v T) *T { return &v }
