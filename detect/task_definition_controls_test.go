package detect

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestECS1HostModeUser(t *testing.T) {
	host := networkMode(ecstypes.NetworkModeHost)
	runTaskDefinitionCases(t, ECS1(), []tdCase{
		{name: "awsvpc mode passes even as root", td: taskDef("a", 1, networkMode(ecstypes.NetworkModeAwsvpc), containers(ctr("web"))), want: Passed},
		{name: "bridge mode passes", td: taskDef("a", 1, networkMode(ecstypes.NetworkModeBridge), containers(ctr("web", user("root")))), want: Passed},
		{name: "host mode user absent privileged absent fails", td: taskDef("a", 1, host, containers(ctr("web"))), want: Failed, reasonHas: []string{`container "web"`, "user absent", "privileged absent"}},
		{name: "host mode user root privileged false fails", td: taskDef("a", 1, host, containers(ctr("web", user("root"), privileged(false)))), want: Failed, reasonHas: []string{`"root"`, "privileged false"}},
		{name: "host mode user 0 fails", td: taskDef("a", 1, host, containers(ctr("web", user("0")))), want: Failed, reasonHas: []string{`"0"`}},
		{name: "host mode user 0:0 fails", td: taskDef("a", 1, host, containers(ctr("web", user("0:0")))), want: Failed, reasonHas: []string{`"0:0"`}},
		{name: "host mode user root:root fails", td: taskDef("a", 1, host, containers(ctr("web", user("root:root")))), want: Failed, reasonHas: []string{`"root:root"`}},
		{name: "host mode user 1000 passes", td: taskDef("a", 1, host, containers(ctr("web", user("1000")))), want: Passed},
		{name: "host mode user 1000:0 passes", td: taskDef("a", 1, host, containers(ctr("web", user("1000:0")))), want: Passed},
		{name: "host mode privileged root passes", td: taskDef("a", 1, host, containers(ctr("agent", privileged(true)))), want: Passed},
		{name: "host mode one bad container of two", td: taskDef("a", 1, host, containers(ctr("ok", user("app")), ctr("bad", user("root")))), want: Failed, reasonHas: []string{`container "bad"`}},
	})
}

func TestECS3PidMode(t *testing.T) {
	runTaskDefinitionCases(t, ECS3(), []tdCase{
		{name: "host fails", td: taskDef("a", 1, pidMode(ecstypes.PidModeHost)), want: Failed, reasonHas: []string{"pidMode is host"}},
		{name: "task passes", td: taskDef("a", 1, pidMode(ecstypes.PidModeTask)), want: Passed},
		{name: "absent passes", td: taskDef("a", 1), want: Passed},
		{name: "ipcMode host is not part of it", td: taskDef("a", 1, func(td *TaskDefinition) { td.IpcMode = ecstypes.IpcModeHost }), want: Passed},
	})
}

func TestECS4Privileged(t *testing.T) {
	runTaskDefinitionCases(t, ECS4(), []tdCase{
		{name: "privileged true fails", td: taskDef("a", 1, containers(ctr("web"), ctr("agent", privileged(true)))), want: Failed, reasonHas: []string{`container "agent": privileged is true`}},
		{name: "privileged false passes", td: taskDef("a", 1, containers(ctr("web", privileged(false)))), want: Passed},
		{name: "privileged absent passes", td: taskDef("a", 1, containers(ctr("web"))), want: Passed},
		{name: "added capabilities pass", td: taskDef("a", 1, containers(ctr("web", func(c *ecstypes.ContainerDefinition) {
			c.LinuxParameters = &ecstypes.LinuxParameters{Capabilities: &ecstypes.KernelCapabilities{Add: []string{"SYS_ADMIN"}}}
		}))), want: Passed},
	})
}

func TestECS5ReadonlyRoot(t *testing.T) {
	runTaskDefinitionCases(t, ECS5(), []tdCase{
		{name: "true passes", td: taskDef("a", 1, containers(ctr("web", readonlyRoot(true)))), want: Passed},
		{name: "false fails", td: taskDef("a", 1, containers(ctr("web", readonlyRoot(false)))), want: Failed, reasonHas: []string{`container "web": readonlyRootFilesystem is false`}},
		{name: "absent fails", td: taskDef("a", 1, containers(ctr("web"))), want: Failed, reasonHas: []string{`container "web": readonlyRootFilesystem is absent`}},
		{name: "one of two fails", td: taskDef("a", 1, containers(ctr("web", readonlyRoot(true)), ctr("sidecar"))), want: Failed, reasonHas: []string{`"sidecar"`}},
		{name: "linux family is evaluated", td: taskDef("a", 1, osFamilyOpt(ecstypes.OSFamilyLinux), containers(ctr("web"))), want: Failed},
		{name: "windows is not applicable", td: taskDef("a", 1, osFamilyOpt(ecstypes.OSFamilyWindowsServer2019Core), containers(ctr("web"))), want: NotApplicable, reasonHas: []string{"WINDOWS_SERVER_2019_CORE"}},
	})
}

func TestECS8EnvironmentSecrets(t *testing.T) {
	runTaskDefinitionCases(t, ECS8(), []tdCase{
		{name: "AWS_ACCESS_KEY_ID fails", td: taskDef("a", 1, containers(ctr("web", env("AWS_ACCESS_KEY_ID", "x")))), want: Failed, reasonHas: []string{`container "web"`, "AWS_ACCESS_KEY_ID"}},
		{name: "AWS_SECRET_ACCESS_KEY fails", td: taskDef("a", 1, containers(ctr("web", env("AWS_SECRET_ACCESS_KEY", "x")))), want: Failed, reasonHas: []string{"AWS_SECRET_ACCESS_KEY"}},
		{name: "ECS_ENGINE_AUTH_DATA fails", td: taskDef("a", 1, containers(ctr("web", env("ECS_ENGINE_AUTH_DATA", "x")))), want: Failed, reasonHas: []string{"ECS_ENGINE_AUTH_DATA"}},
		{name: "other spelling passes", td: taskDef("a", 1, containers(ctr("web", env("aws_access_key_id", "x", "AWS_ACCESS_KEY", "y")))), want: Passed},
		{name: "DB_PASSWORD is not part of ECS.8", td: taskDef("a", 1, containers(ctr("web", env("DB_PASSWORD", "hunter2")))), want: Passed},
		{name: "in secrets passes", td: taskDef("a", 1, containers(ctr("web", func(c *ecstypes.ContainerDefinition) {
			c.Secrets = []ecstypes.Secret{{Name: aws.String("AWS_SECRET_ACCESS_KEY"), ValueFrom: aws.String("arn:aws:secretsmanager:eu-west-1:123456789012:secret:k")}}
		}))), want: Passed},
	})
}

func TestECS9LogConfiguration(t *testing.T) {
	runTaskDefinitionCases(t, ECS9(), []tdCase{
		{name: "awslogs passes", td: taskDef("a", 1, containers(ctr("web", logDriver(ecstypes.LogDriverAwslogs)))), want: Passed},
		{name: "any driver passes", td: taskDef("a", 1, containers(ctr("web", logDriver(ecstypes.LogDriverSyslog)))), want: Passed},
		{name: "absent fails", td: taskDef("a", 1, containers(ctr("web"))), want: Failed, reasonHas: []string{`container "web": no logConfiguration`}},
		{name: "empty driver fails", td: taskDef("a", 1, containers(ctr("web", logDriver("")))), want: Failed, reasonHas: []string{"no logDriver"}},
		{name: "firelens app with router logged passes", td: taskDef("a", 1, containers(
			ctr("log_router", firelens(), logDriver(ecstypes.LogDriverAwslogs)),
			ctr("web", logDriver(ecstypes.LogDriverAwsfirelens)))), want: Passed},
		{name: "firelens router without logging fails", td: taskDef("a", 1, containers(
			ctr("log_router", firelens()),
			ctr("web", logDriver(ecstypes.LogDriverAwsfirelens)))), want: Failed, reasonHas: []string{`container "log_router"`, "FireLens"}},
	})
}

func TestECS17HostNetwork(t *testing.T) {
	runTaskDefinitionCases(t, ECS17(), []tdCase{
		{name: "host fails", td: taskDef("a", 1, networkMode(ecstypes.NetworkModeHost)), want: Failed, reasonHas: []string{"networkMode is host"}},
		{name: "awsvpc passes", td: taskDef("a", 1, networkMode(ecstypes.NetworkModeAwsvpc)), want: Passed},
		{name: "absent passes", td: taskDef("a", 1), want: Passed},
	})
}

func TestECS18EFSTransitEncryption(t *testing.T) {
	efs := func(name string, te ecstypes.EFSTransitEncryption) ecstypes.Volume {
		return ecstypes.Volume{Name: aws.String(name), EfsVolumeConfiguration: &ecstypes.EFSVolumeConfiguration{FileSystemId: aws.String("fs-1"), TransitEncryption: te}}
	}
	runTaskDefinitionCases(t, ECS18(), []tdCase{
		{name: "no volumes passes", td: taskDef("a", 1), want: Passed, reasonHas: []string{"no EFS volume"}},
		{name: "host volume only passes", td: taskDef("a", 1, volumes(ecstypes.Volume{Name: aws.String("scratch")})), want: Passed},
		{name: "enabled passes", td: taskDef("a", 1, volumes(efs("data", ecstypes.EFSTransitEncryptionEnabled))), want: Passed},
		{name: "disabled fails", td: taskDef("a", 1, volumes(efs("data", ecstypes.EFSTransitEncryptionDisabled))), want: Failed, reasonHas: []string{`EFS volume "data"`, "DISABLED"}},
		{name: "absent fails", td: taskDef("a", 1, volumes(efs("data", ""))), want: Failed, reasonHas: []string{"absent"}},
	})
}

func TestECS20LinuxUser(t *testing.T) {
	runTaskDefinitionCases(t, ECS20(), []tdCase{
		{name: "user absent fails", td: taskDef("a", 1, containers(ctr("web"))), want: Failed, reasonHas: []string{`container "web": user is absent`}},
		{name: "user root fails", td: taskDef("a", 1, containers(ctr("web", user("root")))), want: Failed, reasonHas: []string{`user is "root"`}},
		{name: "user 0 fails", td: taskDef("a", 1, containers(ctr("web", user("0")))), want: Failed, reasonHas: []string{`user is "0"`}},
		{name: "user 1000 passes", td: taskDef("a", 1, containers(ctr("web", user("1000")))), want: Passed},
		{name: "user app:app passes", td: taskDef("a", 1, containers(ctr("web", user("app:app")))), want: Passed},
		// Decision (see ecs20_linux_user.go): Security Hub matches only "root" and "0"; the user:group forms
		// pass, and the reason says they still run as root.
		{name: "user 0:0 passes with a note", td: taskDef("a", 1, containers(ctr("web", user("0:0")))), want: Passed, reasonHas: []string{`container "web" user "0:0" still runs as root`}},
		{name: "user root:root passes with a note", td: taskDef("a", 1, containers(ctr("web", user("root:root")))), want: Passed, reasonHas: []string{`"root:root"`}},
		{name: "explicit LINUX is evaluated", td: taskDef("a", 1, osFamilyOpt(ecstypes.OSFamilyLinux), containers(ctr("web"))), want: Failed},
		{name: "windows is not applicable", td: taskDef("a", 1, osFamilyOpt(ecstypes.OSFamilyWindowsServer2022Full), containers(ctr("web"))), want: NotApplicable},
		{name: "one bad container of two", td: taskDef("a", 1, containers(ctr("ok", user("1000")), ctr("bad"))), want: Failed, reasonHas: []string{`"bad"`}},
	})
}

func TestECS21WindowsUser(t *testing.T) {
	win := osFamilyOpt(ecstypes.OSFamilyWindowsServer2019Full)
	runTaskDefinitionCases(t, ECS21(), []tdCase{
		{name: "windows user absent fails", td: taskDef("a", 1, win, containers(ctr("web"))), want: Failed, reasonHas: []string{`container "web": user is absent`}},
		{name: "windows containeradministrator fails", td: taskDef("a", 1, win, containers(ctr("web", user("containeradministrator")))), want: Failed},
		{name: "windows ContainerAdministrator fails case-insensitively", td: taskDef("a", 1, win, containers(ctr("web", user("ContainerAdministrator")))), want: Failed, reasonHas: []string{`"ContainerAdministrator"`}},
		{name: "windows ContainerUser passes", td: taskDef("a", 1, win, containers(ctr("web", user("ContainerUser")))), want: Passed},
		{name: "unset family is evaluated", td: taskDef("a", 1, containers(ctr("web"))), want: Failed},
		{name: "unset family with user passes", td: taskDef("a", 1, containers(ctr("web", user("1000")))), want: Passed},
		{name: "linux is not applicable", td: taskDef("a", 1, osFamilyOpt(ecstypes.OSFamilyLinux), containers(ctr("web"))), want: NotApplicable, reasonHas: []string{"LINUX"}},
	})
}

func TestECS15TaskDefinitionTags(t *testing.T) {
	s := &Settings{RequiredTags: map[string][]string{TypeTaskDefinition: {"team", "env"}}}
	runTaskDefinitionCases(t, ECS15(), []tdCase{
		{name: "all keys passes", td: taskDef("a", 1, tdTags("team", "x", "env", "prod")), settings: s, want: Passed},
		{name: "missing one fails", td: taskDef("a", 1, tdTags("team", "x")), settings: s, want: Failed, reasonHas: []string{`"env"`}},
		{name: "untagged fails", td: taskDef("a", 1), settings: s, want: Failed, reasonHas: []string{`"team", "env"`}},
		{name: "keys are case-sensitive", td: taskDef("a", 1, tdTags("Team", "x", "env", "prod")), settings: s, want: Failed, reasonHas: []string{`"team"`}},
		{name: "system tags do not count", td: taskDef("a", 1, tdTags("aws:team", "x", "env", "prod")), settings: &Settings{RequiredTags: map[string][]string{TypeTaskDefinition: {"aws:team"}}}, want: Failed},
	})
}
