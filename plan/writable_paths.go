package plan

import (
	"fmt"
	"path"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecsfix/ecsfix/detect"
)

// The paths well-known images write to, kept as data with where each comes from: when ECS.5 makes a
// container's root filesystem read-only, these stay writable (each through a task volume of that
// container alone). Images match by repository path segments, any tag (repoMatches: "library/nginx" is
// Docker Hub's nginx, however its reference is spelled; "nginx/nginx" is public.ecr.aws/nginx/nginx).
// An image that is neither here nor read from ECR (Inventory.Images: its declared VOLUMEs and WORKDIR)
// is unknown: its edit says so and is high risk.
//
// Every entry keeps /tmp too (most runtimes and entrypoints write temporary files there); the configured
// fix.writable_paths (default /tmp) apply to every container besides.

// imagePaths are the paths an image writes.
type imagePaths struct {
	// Name is what the plan calls the image.
	Name string
	// Images are repository paths (trailing path segments).
	Images []string
	// Paths are the directories it writes.
	Paths []string
	// Source is where the paths come from.
	Source string
	// Partial, when set, says what else the image writes that no task volume can keep writable (a
	// directory where the image keeps files, which an empty volume would hide): such a container's edit
	// is high risk and says so.
	Partial string
}

var wellKnownImagePaths = []imagePaths{
	{Name: "nginx", Images: []string{"library/nginx", "nginx/nginx", "bitnami/nginx"},
		Paths:  []string{"/var/cache/nginx", "/var/run", "/tmp"},
		Source: "Docker Hub nginx, Running nginx in read-only mode (mount /var/cache/nginx and /var/run)"},
	{Name: "nginx (unprivileged)", Images: []string{"nginxinc/nginx-unprivileged", "nginx/nginx-unprivileged"},
		Paths:  []string{"/tmp"},
		Source: "github.com/nginxinc/docker-nginx-unprivileged README (pid and temporary paths moved to /tmp)"},
	{Name: "Apache httpd", Images: []string{"library/httpd"},
		Paths:  []string{"/usr/local/apache2/logs", "/tmp"},
		Source: "Docker Hub httpd, conf/httpd.conf (ServerRoot /usr/local/apache2, PidFile logs/httpd.pid)"},
	{Name: "postgres", Images: []string{"library/postgres", "bitnami/postgresql"},
		Paths:  []string{"/var/run/postgresql", "/var/lib/postgresql", "/tmp"},
		Source: "Docker Hub postgres Dockerfile (socket directory /var/run/postgresql; PGDATA under /var/lib/postgresql, a declared VOLUME)"},
	{Name: "mysql", Images: []string{"library/mysql", "mysql/mysql-server"},
		Paths:  []string{"/var/lib/mysql", "/var/run/mysqld", "/tmp"},
		Source: "Docker Hub mysql Dockerfile (VOLUME /var/lib/mysql; socket and pid in /var/run/mysqld)"},
	{Name: "mariadb", Images: []string{"library/mariadb"},
		Paths:  []string{"/var/lib/mysql", "/run/mysqld", "/tmp"},
		Source: "Docker Hub mariadb Dockerfile (VOLUME /var/lib/mysql; socket and pid in /run/mysqld)"},
	{Name: "redis", Images: []string{"library/redis", "bitnami/redis", "redis/redis-stack-server"},
		Paths:  []string{"/data", "/tmp"},
		Source: "Docker Hub redis Dockerfile (VOLUME /data, WORKDIR /data: RDB and AOF files)"},
	{Name: "memcached", Images: []string{"library/memcached"},
		Paths:  []string{"/tmp"},
		Source: "Docker Hub memcached (keeps its data in memory; writes no file)"},
	{Name: "mongo", Images: []string{"library/mongo"},
		Paths:  []string{"/data/db", "/data/configdb", "/tmp"},
		Source: "Docker Hub mongo Dockerfile (VOLUME /data/db /data/configdb; the socket in /tmp)"},
	{Name: "rabbitmq", Images: []string{"library/rabbitmq"},
		Paths:  []string{"/var/lib/rabbitmq", "/tmp"},
		Source: "Docker Hub rabbitmq Dockerfile (VOLUME /var/lib/rabbitmq; the Erlang cookie is written there)"},
	{Name: "node", Images: []string{"library/node"},
		Paths:  []string{"/tmp", "/root/.npm", "/home/node/.npm"},
		Source: "Docker Hub node (HOME /root, or /home/node for USER node); docs.npmjs.com, cache (npm writes ~/.npm, its logs in ~/.npm/_logs)"},
	{Name: "php", Images: []string{"library/php"},
		Paths:  []string{"/tmp", "/var/run/apache2", "/var/lock/apache2"},
		Source: "Docker Hub php Dockerfiles (php-fpm: sessions and uploads in /tmp; the apache variants: APACHE_RUN_DIR /var/run/apache2, APACHE_LOCK_DIR /var/lock/apache2)"},
	{Name: "tomcat", Images: []string{"library/tomcat"},
		Paths:  []string{"/usr/local/tomcat/logs", "/usr/local/tomcat/work", "/usr/local/tomcat/temp", "/tmp"},
		Source: "Docker Hub tomcat (CATALINA_HOME /usr/local/tomcat: logs, work and temp are written at run time)"},
	{Name: "Envoy", Images: []string{"envoyproxy/envoy", "appmesh/aws-appmesh-envoy", "aws-appmesh-envoy"},
		Paths:  []string{"/tmp"},
		Source: "envoyproxy.io docs (writes only the paths its configuration names, such as an access log); the App Mesh image writes its bootstrap to /tmp"},
	{Name: "Fluent Bit", Images: []string{"fluent/fluent-bit", "aws-observability/aws-for-fluent-bit", "amazon/aws-for-fluent-bit"},
		Paths:  []string{"/tmp"},
		Source: "docs.fluentbit.io, Buffering and storage (memory by default; a storage.path of the configuration must be writable too)"},
	{Name: "Fluentd", Images: []string{"fluent/fluentd", "library/fluentd"},
		Paths:  []string{"/fluentd/log", "/tmp"},
		Source: "github.com/fluent/fluentd-docker-image Dockerfile (buffers and logs in /fluentd/log)"},
	{Name: "the CloudWatch agent", Images: []string{"amazon/cloudwatch-agent", "cloudwatch-agent/cloudwatch-agent"},
		Paths:  []string{"/opt/aws/amazon-cloudwatch-agent/logs", "/opt/aws/amazon-cloudwatch-agent/var", "/tmp"},
		Source: "github.com/aws/amazon-cloudwatch-agent, container image (logs to logs/, keeps state in var/ under /opt/aws/amazon-cloudwatch-agent)",
		Partial: "the CloudWatch agent also writes its translated configuration into /opt/aws/amazon-cloudwatch-agent/etc, where the image keeps files of its own (common-config.toml): " +
			"an empty task volume there would hide them, so that path stays read-only and the agent may fail to start"},
	{Name: "the Datadog Agent", Images: []string{"datadog/agent", "datadoghq/agent"},
		Paths:  []string{"/var/log/datadog", "/var/run/datadog", "/opt/datadog-agent/run", "/var/run/s6", "/tmp"},
		Source: "github.com/DataDog/helm-charts, datadog chart with readOnlyRootFilesystem (emptyDirs at /var/log/datadog, /tmp, /var/run/s6; /opt/datadog-agent/run for log positions)",
		Partial: "the Datadog Agent also writes /etc/datadog-agent at start, where the image keeps its default configuration (conf.d, auto_conf): an empty task volume there would hide it " +
			"(the Datadog chart copies it in with an init container, which ECS has no equivalent of), so that path stays read-only and the agent may fail to start"},
	{Name: "the X-Ray daemon", Images: []string{"amazon/aws-xray-daemon", "xray/aws-xray-daemon"},
		Paths:  []string{"/tmp"},
		Source: "github.com/aws/aws-xray-daemon Dockerfile (a static binary that logs to standard output)"},
	{Name: "the OpenTelemetry collector", Images: []string{"otel/opentelemetry-collector", "otel/opentelemetry-collector-contrib", "aws-observability/aws-otel-collector", "amazon/aws-otel-collector", "signalfx/splunk-otel-collector"},
		Paths:  []string{"/tmp"},
		Source: "opentelemetry.io docs, Collector configuration (writes only what its configuration names, such as a file_storage directory)"},
	{Name: "the New Relic infrastructure agent", Images: []string{"newrelic/infrastructure", "newrelic/infrastructure-bundle", "newrelic/nri-ecs"},
		Paths:  []string{"/var/db/newrelic-infra", "/tmp"},
		Source: "docs.newrelic.com, infrastructure agent configuration (agent_dir /var/db/newrelic-infra holds its state and integrations' data)"},
	{Name: "the Prometheus node exporter", Images: []string{"prom/node-exporter", "prometheus/node-exporter"},
		Paths:  []string{"/tmp"},
		Source: "github.com/prometheus/node_exporter (reads the host's /proc and /sys; writes nothing)"},
	{Name: "cAdvisor", Images: []string{"cadvisor/cadvisor", "google/cadvisor"},
		Paths:  []string{"/tmp"},
		Source: "github.com/google/cadvisor (reads the host; writes nothing)"},
	{Name: "Consul", Images: []string{"hashicorp/consul", "library/consul"},
		Paths:  []string{"/consul/data", "/consul/config", "/tmp"},
		Source: "github.com/hashicorp/docker-consul Dockerfile (VOLUME /consul/data; the entrypoint writes /consul/config)"},
	{Name: "Grafana", Images: []string{"grafana/grafana", "grafana/grafana-oss"},
		Paths:  []string{"/var/lib/grafana", "/tmp"},
		Source: "grafana.com docs, Run Grafana Docker image (GF_PATHS_DATA /var/lib/grafana, a declared VOLUME)"},
	{Name: "Prometheus", Images: []string{"prom/prometheus"},
		Paths:  []string{"/prometheus", "/tmp"},
		Source: "github.com/prometheus/prometheus Dockerfile (VOLUME /prometheus, WORKDIR /prometheus)"},
	{Name: "HAProxy", Images: []string{"library/haproxy", "haproxytech/haproxy-debian", "haproxytech/haproxy-alpine"},
		Paths:  []string{"/var/lib/haproxy", "/run", "/tmp"},
		Source: "Docker Hub haproxy (chroot and stats socket in /var/lib/haproxy; the master socket and pid in /run)"},
}

// knownImagePaths returns the table's entry for an image reference, nil when it is not there.
func knownImagePaths(image string) *imagePaths {
	if e, ok := knownPathsOf.load(image); ok {
		return e
	}
	e := findImagePaths(image)
	knownPathsOf.store(image, e)
	return e
}

// knownPathsOf remembers knownImagePaths' answers (a function of the image alone, on a fixed table).
var knownPathsOf memo[string, *imagePaths]

// findImagePaths is knownImagePaths, looked up in the table.
func findImagePaths(image string) *imagePaths {
	repo := imageRepository(image)
	for i := range wellKnownImagePaths {
		for _, p := range wellKnownImagePaths[i].Images {
			if repoMatches(repo, p) {
				return &wellKnownImagePaths[i]
			}
		}
	}
	return nil
}

// writablePath is a path a container keeps writable, and why.
type writablePath struct {
	path, why string
}

// containerPaths are the paths one container keeps writable under a read-only root filesystem.
type containerPaths struct {
	paths []writablePath
	// unknown says why the container's writable paths are unknown ("" when they are known).
	unknown string
	// notes are what the plan says of them besides.
	notes []string
}

// summary lists the paths with their short reasons: "/var/cache/nginx (nginx image), /tmp (default)".
func (cp containerPaths) summary() string {
	if len(cp.paths) == 0 {
		return "nothing"
	}
	var out []string
	for _, wp := range cp.paths {
		out = append(out, wp.path+" ("+wp.short()+")")
	}
	return strings.Join(out, ", ")
}

// short is the reason without its source.
func (wp writablePath) short() string {
	if i := strings.Index(wp.why, " ("); i >= 0 {
		return wp.why[:i]
	}
	return wp.why
}

// writablePathsOf are the paths container i keeps writable, in this order: the well-known image's
// (writable_paths.go), the VOLUMEs its configuration declares (read from ECR: Inventory.Images), the
// configured fix.writable_paths (default /tmp). When the registration is re-derived at apply time, they
// are derived again the same way, from the table, the images read then and the applier's
// fix.writable_paths (ConfiguredValues), never from the plan's edits: a plan mounting an empty volume
// elsewhere (over /etc) is refused.
func writablePathsOf(ctx *revisionContext, in *ecs.RegisterTaskDefinitionInput, i int) containerPaths {
	c := &in.ContainerDefinitions[i]
	label := containerLabel(c, i)
	var cp containerPaths
	seen := map[string]bool{}
	add := func(p, why string) {
		p = path.Clean(p)
		if p == "/" || p == "." || !strings.HasPrefix(p, "/") || seen[p] {
			return
		}
		seen[p] = true
		cp.paths = append(cp.paths, writablePath{path: p, why: why})
	}
	image := aws.ToString(c.Image)
	known := false
	partial := ""
	if e := knownImagePaths(image); e != nil {
		known = true
		for _, p := range e.Paths {
			add(p, e.Name+" image ("+e.Source+")")
		}
		partial = e.Partial
	}
	var cfg detect.ImageConfig
	fromECR := false
	if ctx.inv != nil {
		cfg, fromECR = ctx.inv.Image(image)
	}
	if fromECR {
		known = true
		for _, v := range cfg.Volumes {
			add(v, "declared VOLUME of the image (its configuration, read from ECR)")
		}
		if wd := path.Clean(cfg.WorkingDir); cfg.WorkingDir != "" && wd != "/" && !seen[wd] {
			cp.notes = append(cp.notes, fmt.Sprintf("container %s: the image's WORKDIR %s (read from ECR) stays read-only: a task volume there would hide the image's files "+
				"(ECS copies an image's content into a volume only at a declared VOLUME); if the application writes into its working directory, list a subdirectory of it in fix.writable_paths", label, wd))
		}
	}
	why := "default"
	paths := ctx.opts.WritablePaths
	if len(paths) == 0 {
		paths = DefaultWritablePaths
	} else {
		why = "fix.writable_paths"
	}
	for _, p := range paths {
		add(p, why)
	}
	if known && partial != "" {
		cp.unknown = "container " + label + ": " + partial
	}
	if !known {
		cp.unknown = fmt.Sprintf("container %s: the paths image %s writes are unknown (not a well-known image of ecsfix's table, and its configuration was not read from ECR): "+
			"only %s stays writable, so it fails if it writes anywhere else; list the paths it writes in fix.writable_paths, or exempt this task definition from ECS.5",
			label, orNone(image), strings.Join(pathsOf(cp.paths), ", "))
	}
	return cp
}

func pathsOf(wps []writablePath) []string {
	var out []string
	for _, wp := range wps {
		out = append(out, wp.path)
	}
	return out
}
