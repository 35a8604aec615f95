// Command tfgen writes the Pulumi schema for the docker provider
// (usage: tfgen schema --out DIR --skip-docs).
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"

	"docker-networking-iac/docker-provider/dockerinfo"
)

func main() {
	tfgen.Main("docker", dockerinfo.Version, dockerinfo.Provider())
}
