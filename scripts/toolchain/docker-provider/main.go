// Command pulumi-resource-docker is a Pulumi resource plugin bridging the
// Terraform Docker provider, with the schema generated at build time.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"

	"docker-networking-iac/docker-provider/dockerinfo"
)

//go:embed schema.json
var schema []byte

func main() {
	tfbridge.Main("docker", dockerinfo.Version, dockerinfo.Provider(), schema)
}
