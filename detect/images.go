package detect

// ImageConfig is what a container image's own configuration declares (the config blob an image manifest
// names), read from its registry: today only images in ECR (ecr:BatchGetImage), whose configuration is
// content-addressed, so what is read is checked against the manifest's digest before it is kept.
//
// The planner reads it to keep the image's declared volumes and working directory writable when ECS.5
// makes the root filesystem read-only, and to set the non-root USER the image already declares (ECS.20).
// An image that is not here is unknown: nothing is assumed about it.
type ImageConfig struct {
	// Image is the reference as a container definition names it (registry/repository:tag or @digest).
	Image string `json:"image"`
	// Digest is the manifest digest the reference resolved to when the configuration was read.
	Digest string `json:"digest"`
	// User is the image's USER ("" when it declares none: it runs as root).
	User string `json:"user,omitempty"`
	// WorkingDir is the image's WORKDIR ("" when it declares none).
	WorkingDir string `json:"workingDir,omitempty"`
	// Volumes are the paths the image declares as VOLUME, sorted.
	Volumes []string `json:"volumes,omitempty"`
	// OS and Architecture are the platform of the configuration read (a multi-platform image resolves
	// to the manifest of the task definition's platform, linux/amd64 when it names none).
	OS           string `json:"os,omitempty"`
	Architecture string `json:"architecture,omitempty"`
}

// Image returns the configuration read for an image reference, exactly as a container definition names
// it.
func (in *Inventory) Image(ref string) (ImageConfig, bool) {
	c, ok := in.Images[ref]
	return c, ok
}
