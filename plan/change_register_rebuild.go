package plan

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsjson"
)

// Re-deriving a registration at apply time: the new revision is rebuilt from the source revision read
// then, by re-running the remedies its edits name, and compared with the plan's After. A plan edited by
// hand (another image, privileged added, another task role, an edit relabelled) differs, and the applier
// refuses it before writing anything.
//
// The remedies that depend only on the revision and on one configuration value (ECS.3, ECS.4, ECS.5,
// ECS.18, ECS.20/21, host-path-volume) are re-run; the values they take from the configuration are the
// applier's (ReadState.Config: the users ECS.20/21 set, the fix.writable_paths ECS.5 keeps writable),
// what they take from an image is what was read again at apply time (ReadState.Images), and either
// host-path mode is tried; what they decided from what the applier does not read (a host agent
// recognised by the services that run it or by the configuration) is what After keeps where no edit
// says otherwise (rebuildHints). The edits of a remedy that rates its own edits (ECS.5, ECS.20/21, the
// move to a newer image) must be in the plan with at least the risk they re-derive with (sameEditRisks).
// Taking privileged or pidMode host from a container the table or the applier's configuration
// recognises as a host agent is refused (checkKeptWorkloads). The
// remedies that depend on the inventory (ECS.8 and ECS.9: the execution role and its policies; ECS.17:
// the services and their clusters) are re-derived field by field: each field they may change is taken
// from After only when it is what that remedy could have written there (an environment entry removed, a
// secret whose valueFrom is the placeholder of a create-secret action of the plan, awslogs logging to a
// log group an ensure-log-group action of the plan makes, an execution role a put-role-policy action of
// the plan grants, networkMode awsvpc or bridge from host, a hostPort equal to its containerPort or
// removed). Every other field must be the source revision's.

// RederiveError is an action whose after-state is not what its typed edits make of the state read at
// apply time (for a registration: of the source revision).
type RederiveError struct {
	Action string
	// What names the after-state ("" for a registration's new task definition).
	What string
	// Path is the first differing field (for a registration, a JSON path into the registration input;
	// for the other kinds, a path into the action's payload), "" when the difference is not one field
	// (Reason says what).
	Path   string
	Reason string
}

func (e *RederiveError) Error() string {
	what := "the new task definition is not what its edits make of the source revision"
	if e.What != "" {
		what = e.What + " is not what its edits make of the state read at apply time"
	}
	if e.Path == "" {
		return fmt.Sprintf("action %s: %s: %s", e.Action, what, e.Reason)
	}
	return fmt.Sprintf("action %s: %s: field %s %s", e.Action, what, e.Path, e.Reason)
}

// rederive implements rederiver: the registration re-derived from its source revision as read
// (RebuildRegistration).
func (r *RegisterTaskDefinitionChange) rederive(p *Plan, a *Action, st *ReadState) error {
	src := st.TaskDefinitions[r.SourceArn]
	if src == nil {
		return &RederiveError{Action: a.ID, Reason: "its source revision " + r.SourceArn + " was not read"}
	}
	if err := p.RebuildRegistrationFrom(a, src, st); err != nil {
		return err
	}
	if err := r.checkExecutionRole(a, src, st.Config); err != nil {
		return err
	}
	if err := r.checkKeptWorkloads(a, src, st.Config); err != nil {
		return err
	}
	return r.checkLogGroupNames(a, src, st.Config)
}

// checkExecutionRole checks the execution role a fix gives a revision that has none: it must be the
// configuration's fix.secrets.execution_role (cfg nil: refused), never a role the plan names, which a
// put-role-policy action of the same plan would then grant.
func (r *RegisterTaskDefinitionChange) checkExecutionRole(a *Action, source *detect.TaskDefinition, cfg *ConfiguredValues) error {
	var after ecs.RegisterTaskDefinitionInput
	if err := awsjson.Unmarshal("plan registration of "+r.SourceArn, r.After, &after); err != nil {
		return &RederiveError{Action: a.ID, Reason: fmt.Sprintf("after: %v", err)}
	}
	got := aws.ToString(after.ExecutionRoleArn)
	if got == "" || aws.ToString(source.ExecutionRoleArn) != "" {
		return nil
	}
	if cfg == nil {
		return noConfig(a, "the new task definition", "executionRoleArn", "fix.secrets.execution_role")
	}
	if want := roleArnOf(cfg.ExecutionRole, r.SourceArn); got != want && got != cfg.ExecutionRole {
		if want == "" {
			want = "none"
		}
		return &RederiveError{Action: a.ID, What: "the new task definition", Path: "executionRoleArn",
			Reason: fmt.Sprintf("is %s; fix.secrets.execution_role gives %s", got, want)}
	}
	return nil
}

// checkKeptWorkloads refuses a registration that takes privileged from a host agent or privileged
// workload, or pidMode host from a task with a host agent (workload.go), as recognised from the source
// revision and the applier's configuration (fix.workloads; cfg nil: none): ecsfix keeps those, so a plan
// that drops them was edited. (What the services that run the revision make a host agent, DAEMON
// scheduling, is not read at apply time: the plan's own after-state decides it, rebuildHints.)
func (r *RegisterTaskDefinitionChange) checkKeptWorkloads(a *Action, source *detect.TaskDefinition, cfg *ConfiguredValues) error {
	var after ecs.RegisterTaskDefinitionInput
	if err := awsjson.Unmarshal("plan registration of "+r.SourceArn, r.After, &after); err != nil {
		return &RederiveError{Action: a.ID, Reason: fmt.Sprintf("after: %v", err)}
	}
	src := RegisterInput(source)
	if !sameContainers(src, &after) {
		return nil // the comparison names the difference
	}
	ctx := &revisionContext{inv: &detect.Inventory{}, source: source}
	if cfg != nil {
		ctx.opts.Workloads = cfg.Workloads
	}
	for i := range src.ContainerDefinitions {
		if !aws.ToBool(src.ContainerDefinitions[i].Privileged) || aws.ToBool(after.ContainerDefinitions[i].Privileged) {
			continue
		}
		if w := recogniseWorkload(ctx, src, i); w.Kept() {
			return &RederiveError{Action: a.ID, What: "the new task definition", Path: fmt.Sprintf("containerDefinitions[%d].privileged", i),
				Reason: fmt.Sprintf("is dropped, but container %s is %s (%s), which keeps privileged", containerLabel(&src.ContainerDefinitions[i], i), w.What(), w.Why)}
		}
	}
	for i := range src.ContainerDefinitions {
		su, au := aws.ToString(src.ContainerDefinitions[i].User), aws.ToString(after.ContainerDefinitions[i].User)
		if su == au || cfg == nil || (au != cfg.LinuxUser && au != cfg.WindowsUser) {
			continue // a user the image declares changes nothing at runtime
		}
		if w := recogniseWorkload(ctx, src, i); w.Kept() {
			return &RederiveError{Action: a.ID, What: "the new task definition", Path: fmt.Sprintf("containerDefinitions[%d].user", i),
				Reason: fmt.Sprintf("is set to the configured user, but container %s is %s (%s), which keeps running as it does", containerLabel(&src.ContainerDefinitions[i], i), w.What(), w.Why)}
		}
	}
	if src.PidMode == ecstypes.PidModeHost && after.PidMode != ecstypes.PidModeHost {
		if agents := hostAgents(ctx, src); len(agents) > 0 {
			return &RederiveError{Action: a.ID, What: "the new task definition", Path: "pidMode",
				Reason: "is no longer host, but container " + strings.Join(agents, ", ") + ", which keeps the host's process namespace"}
		}
	}
	return nil
}

// checkLogGroupNames checks the log group of each container the logging fix gives an awslogs
// configuration (one that had no log driver): its name must be the configuration's
// fix.logs.group_template filled with the family and the container's name (cfg nil: refused).
func (r *RegisterTaskDefinitionChange) checkLogGroupNames(a *Action, source *detect.TaskDefinition, cfg *ConfiguredValues) error {
	var after ecs.RegisterTaskDefinitionInput
	if err := awsjson.Unmarshal("plan registration of "+r.SourceArn, r.After, &after); err != nil {
		return &RederiveError{Action: a.ID, Reason: fmt.Sprintf("after: %v", err)}
	}
	src := RegisterInput(source)
	for i := range after.ContainerDefinitions {
		if i >= len(src.ContainerDefinitions) {
			break
		}
		if lc := src.ContainerDefinitions[i].LogConfiguration; lc != nil && lc.LogDriver != "" {
			continue
		}
		lc := after.ContainerDefinitions[i].LogConfiguration
		if lc == nil || lc.LogDriver != ecstypes.LogDriverAwslogs {
			continue
		}
		path := fmt.Sprintf("containerDefinitions[%d].logConfiguration.options.awslogs-group", i)
		if cfg == nil {
			return noConfig(a, "the new task definition", path, "fix.logs.group_template")
		}
		got := lc.Options["awslogs-group"]
		if want := logGroupName(cfg.LogGroupTemplate, aws.ToString(after.Family), aws.ToString(after.ContainerDefinitions[i].Name)); got != want {
			return &RederiveError{Action: a.ID, What: "the new task definition", Path: path,
				Reason: fmt.Sprintf("is %q; fix.logs.group_template %q gives %q", got, templateOrDefault(cfg.LogGroupTemplate), want)}
		}
	}
	return nil
}

// templateOrDefault is the log group template in effect.
func templateOrDefault(t string) string {
	if t == "" {
		return DefaultLogGroupTemplate
	}
	return t
}

// RebuildRegistration re-derives the after-state of registration a of p from source, the source
// revision read at apply time, and compares it with the plan's After (masked values and secret
// placeholders compared as placeholders, each masked value checked to be the source's value at its
// sourcePath). It returns a *RederiveError naming the first differing field, nil when they are equal;
// an *UnknownFieldsError when the source holds fields this build does not know (unknown_fields.go).
func (p *Plan) RebuildRegistration(a *Action, source *detect.TaskDefinition) error {
	return p.RebuildRegistrationFrom(a, source, nil)
}

// RebuildRegistrationFrom is RebuildRegistration with the state read at apply time (nil: none), which
// the remedies that depend on more than the revision re-run on: the user an ECS.20 or ECS.21 edit sets
// is re-derived from the image configurations read then (st.Images) and the applier's configuration
// (st.Config: fix.linux_user, fix.windows_user), never from the plan; a move to a newer image
// (EXPOSURE.vulnerabilities) from the images' findings read then (st.ImageFindings), with the
// configuration's opt-in. With st nil (or without them), an edit setting a user is re-derived only if it
// comes from nothing: it is refused.
func (p *Plan) RebuildRegistrationFrom(a *Action, source *detect.TaskDefinition, st *ReadState) error {
	c := a.RegisterTaskDefinition
	if a.Type != RegisterTaskDefinition || c == nil {
		return fmt.Errorf("action %s is not a registration", a.ID)
	}
	fail := func(path, format string, args ...any) error {
		return &RederiveError{Action: a.ID, Path: path, Reason: fmt.Sprintf(format, args...)}
	}
	if source == nil || source.ARN() != c.SourceArn {
		return fail("", "the source revision read is not %s", c.SourceArn)
	}
	if err := refuseUnknownFields(a, source); err != nil {
		return err
	}
	var after ecs.RegisterTaskDefinitionInput
	if err := awsjson.Unmarshal("plan registration of "+c.SourceArn, c.After, &after); err != nil {
		return fail("", "after: %v", err)
	}
	ids := map[string]bool{}
	for _, e := range c.Edits {
		f, ok := fixFor(e.Control)
		if !ok {
			return fail("", "edit control %q has no task-definition remedy", e.Control)
		}
		ids[f.ID] = true
	}
	var lastErr error
	if ids[detect.ExposureVulnerabilitiesID] && st != nil {
		if err := checkImageRead(a, source, st); err != nil {
			return err
		}
	}
	// The images read now, and none: a user the plan took from the configuration (high risk) stays the
	// applier's configured user even where the image, unknown when planning (a snapshot), declares one now.
	imageSets := []map[string]detect.ImageConfig{nil}
	if st != nil && len(st.Images) > 0 {
		imageSets = []map[string]detect.ImageConfig{st.Images, nil}
	}
	for _, images := range imageSets {
		for _, opts := range rebuildOptions(c, RegisterInput(source), &after, st) {
			if st != nil {
				opts.UpgradeVulnerableImages = st.Config != nil && st.Config.UpgradeVulnerableImages
			}
			err := p.rebuildWith(a, source, &after, ids, opts, images, st)
			if err == nil {
				return nil
			}
			if lastErr == nil {
				lastErr = err
			}
		}
	}
	return lastErr
}

// rebuildOptions are the configurations to re-run the remedies with: what the plan keeps
// (rebuildHints), with each host-path mode; the users of the applier's configuration (st.Config), none
// when it has none (an ECS.20/21 edit then re-derives only from the images read, st.Images).
func rebuildOptions(c *RegisterTaskDefinitionChange, src, after *ecs.RegisterTaskDefinitionInput, st *ReadState) []Options {
	var base Options
	if st != nil && st.Config != nil {
		base.LinuxUser, base.WindowsUser = st.Config.LinuxUser, st.Config.WindowsUser
		base.WritablePaths = st.Config.WritablePaths
	}
	h := &rebuildHints{privileged: map[string]bool{}, hostMounts: map[string]bool{}, hostVolumes: map[string]bool{}, rootUser: map[string]bool{}}
	base.rebuild = h
	// What After keeps of the source's host privileges: privileged containers (a host agent's), writable
	// host-path mounts and host-path volumes, where no edit of the plan says it changes them. Anything
	// else the remedies change as they would.
	edited := map[string]bool{}
	for _, e := range c.Edits {
		edited[e.Path] = true
	}
	if sameContainers(src, after) {
		for i := range src.ContainerDefinitions {
			sc, ac := &src.ContainerDefinitions[i], &after.ContainerDefinitions[i]
			label := containerLabel(sc, i)
			if aws.ToBool(sc.Privileged) && aws.ToBool(ac.Privileged) && !edited["containerDefinitions["+label+"].privileged"] {
				h.privileged[label] = true
			}
			if aws.ToString(sc.User) == aws.ToString(ac.User) && !edited["containerDefinitions["+label+"].user"] {
				h.rootUser[label] = true
			}
			for _, mp := range sc.MountPoints {
				if hostSourceOf(src, aws.ToString(mp.SourceVolume)) == "" || aws.ToBool(mp.ReadOnly) {
					continue
				}
				for _, amp := range ac.MountPoints {
					if aws.ToString(amp.SourceVolume) == aws.ToString(mp.SourceVolume) && aws.ToString(amp.ContainerPath) == aws.ToString(mp.ContainerPath) && !aws.ToBool(amp.ReadOnly) &&
						!edited["containerDefinitions["+label+"].mountPoints["+aws.ToString(mp.ContainerPath)+"].readOnly"] {
						h.hostMounts[label+"\x00"+aws.ToString(mp.ContainerPath)] = true
					}
				}
			}
		}
	}
	for _, v := range after.Volumes {
		if hostSourceOf(src, aws.ToString(v.Name)) != "" && !edited["volumes["+aws.ToString(v.Name)+"]"] {
			h.hostVolumes[aws.ToString(v.Name)] = true
		}
	}
	ro, rm := base, base
	ro.HostPath, rm.HostPath = HostPathReadOnly, HostPathRemove
	return []Options{ro, rm}
}

// ratesEdits reports whether the remedy gives some of its edits a risk of their own (Edit.Risk): an
// ECS.5 edit for an image whose paths are unknown, an ECS.20/21 edit setting the configured user, a move
// to a newer image. Their re-derived edits go through sameEditRisks.
func ratesEdits(id string) bool {
	return id == detect.ECS5ID || id == detect.ECS20ID || id == detect.ExposureVulnerabilitiesID
}

// sameEditRisks checks that each edit re-derived is in the plan with at least its risk: an edit setting
// the configured user (high) cannot pass for one setting the image's user (low).
func sameEditRisks(a *Action, planned, rebuilt []Edit) error {
	for _, e := range rebuilt {
		found := false
		for _, pe := range planned {
			if pe.Control == e.Control && pe.Path == e.Path {
				found = true
				if editRiskRank(pe.Risk) < editRiskRank(e.Risk) {
					return &RederiveError{Action: a.ID, Path: e.Path, Reason: fmt.Sprintf("is an edit of risk %q in the plan; re-derived from what was read now it is %s: %s", pe.Risk, e.Risk, e.Why)}
				}
			}
		}
		if !found {
			return &RederiveError{Action: a.ID, Path: e.Path, Reason: fmt.Sprintf("is edited when re-derived (%s), and the plan has no such edit", e.Change)}
		}
	}
	return nil
}

// rebuildHints are what a registration's after-state keeps that the remedies decide by recognising a
// workload (workload.go) from what the applier does not read (the services that run the revision, the
// configuration, the images' configurations): the remedies keep exactly that when they re-derive it. A
// plan edited to take more away than its remedies would (privileged dropped from a host agent) is refused
// by checkKeptWorkloads.
type rebuildHints struct {
	// privileged are the containers, by label, privileged in the source and in After.
	privileged map[string]bool
	// hostMounts are the writable mounts of host-path volumes After keeps writable ("LABEL\x00PATH").
	hostMounts map[string]bool
	// hostVolumes are the source's host-path volumes After keeps.
	hostVolumes map[string]bool
	// rootUser are the containers, by label, whose user After leaves as the source has it (a host agent
	// keeps running as root rather than take the configured user).
	rootUser map[string]bool
}

// containerOfPath splits an edit path "containerDefinitions[LABEL].rest" (LABEL may hold brackets and
// dots only in rest).
func containerOfPath(p string) (label, rest string, ok bool) {
	const pre = "containerDefinitions["
	if !strings.HasPrefix(p, pre) {
		return "", "", false
	}
	p = p[len(pre):]
	i := strings.Index(p, "].")
	if i < 0 {
		return "", "", false
	}
	return p[:i], p[i+2:], true
}

// rebuildWith re-runs the remedies named by ids on a copy of source with opts, the image configurations
// read at apply time and the images' findings read then (st, nil for none), and compares.
func (p *Plan) rebuildWith(a *Action, source *detect.TaskDefinition, after *ecs.RegisterTaskDefinitionInput, ids map[string]bool, opts Options, images map[string]detect.ImageConfig, st *ReadState) error {
	c := a.RegisterTaskDefinition
	fail := func(path, format string, args ...any) error {
		return &RederiveError{Action: a.ID, Path: path, Reason: fmt.Sprintf(format, args...)}
	}
	src := RegisterInput(source)
	in := RegisterInput(source)
	ctx := &revisionContext{inv: &detect.Inventory{TaskDefinitions: []detect.TaskDefinition{*source}, Images: images}, source: source, opts: opts}
	if st != nil {
		ctx.inv.Vulnerabilities = st.ImageFindings
	}
	for _, r := range remedies() {
		if r.Edits != editsRevision || !ids[r.ID] {
			continue
		}
		var err error
		switch r.ID {
		case detect.ECS17ID:
			err = p.rederiveNetwork(a, src, in, after, st)
		case detect.ECS8ID:
			err = p.rederiveSecrets(a, src, in, after)
		case detect.ECS9ID:
			err = p.rederiveLogs(a, in, after)
		case detect.ExposureVulnerabilitiesID:
			if st == nil {
				// No state read (the check again right before the write, after the full one): each
				// image may only be the same repository's, pinned by digest.
				err = rederiveImageShape(a, in, after)
				break
			}
			if out := r.Apply(ctx, in); out.Skip != "" {
				err = fail("", "remedy %s does not apply to the source revision and the images read now: %s", r.ID, out.Skip)
			} else {
				err = sameEditRisks(a, c.Edits, out.Edits)
			}
		default:
			out := r.Apply(ctx, in)
			if out.Skip != "" {
				err = fail("", "remedy %s does not apply to the source revision read now: %s", r.ID, out.Skip)
			} else if ratesEdits(r.ID) {
				err = sameEditRisks(a, c.Edits, out.Edits)
			}
		}
		if err != nil {
			return err
		}
	}
	// Compare as documents: masked places hold the placeholder once the value there is checked to be
	// the source's, secret references hold their placeholder (taken from After only where a SecretRef
	// says so).
	root := reflect.ValueOf(in).Elem()
	for _, m := range c.Masked {
		want, err := getPath(reflect.ValueOf(src).Elem(), m.SourcePath)
		if err != nil {
			return fail(m.Path, "is masked, but the source revision has no value at %s", m.SourcePath)
		}
		got, err := getPath(root, m.Path)
		if err != nil {
			return fail(m.Path, "is masked, but the re-derived revision has no value there")
		}
		if got != want {
			return fail(m.Path, "is masked from %s, but the re-derived revision holds another value there", m.SourcePath)
		}
		if err := setPath(root, m.Path, MaskedValue); err != nil {
			return fail(m.Path, "%v", err)
		}
	}
	rebuilt, err := awsjson.Marshal(in)
	if err != nil {
		return fail("", "%v", err)
	}
	got, err := decodeObject(rebuilt)
	if err != nil {
		return fail("", "%v", err)
	}
	want, err := decodeObject(c.After)
	if err != nil {
		return fail("", "after: %v", err)
	}
	if path, ok := FirstDifference(want, got, ""); !ok {
		return fail(path, "differs (the plan's value is not the re-derived one)")
	}
	return nil
}

// FirstDifference walks two decoded JSON documents and returns the path of their first difference and
// false, or "" and true when they are equal. The applier uses it too (a revision found on resume).
func FirstDifference(x, y any, path string) (string, bool) {
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch xv := x.(type) {
	case map[string]any:
		yv, ok := y.(map[string]any)
		if !ok {
			return path, false
		}
		for _, k := range slices.Sorted(maps.Keys(keyUnion(xv, yv))) {
			xe, xok := xv[k]
			ye, yok := yv[k]
			if xok != yok {
				return join(k), false
			}
			if p, ok := FirstDifference(xe, ye, join(k)); !ok {
				return p, false
			}
		}
		return "", true
	case []any:
		yv, ok := y.([]any)
		if !ok {
			return path, false
		}
		for i := range max(len(xv), len(yv)) {
			p := fmt.Sprintf("%s[%d]", path, i)
			if i >= len(xv) || i >= len(yv) {
				return p, false
			}
			if q, ok := FirstDifference(xv[i], yv[i], p); !ok {
				return q, false
			}
		}
		return "", true
	default:
		if !reflect.DeepEqual(x, y) {
			return path, false
		}
		return "", true
	}
}

func keyUnion(a, b map[string]any) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// sameContainers reports whether after has the containers of in, by name, in order.
func sameContainers(in, after *ecs.RegisterTaskDefinitionInput) bool {
	if len(in.ContainerDefinitions) != len(after.ContainerDefinitions) {
		return false
	}
	for i := range in.ContainerDefinitions {
		if aws.ToString(in.ContainerDefinitions[i].Name) != aws.ToString(after.ContainerDefinitions[i].Name) {
			return false
		}
	}
	return true
}

// rederiveNetwork is the host-network fix (ECS.17) re-derived: networkMode host becomes After's when it
// is awsvpc or bridge, and each hostPort becomes After's when that is its containerPort or absent. The
// move is refused where the planner's fix refuses it (checkNetworkMove), so that a plan edited to move a
// revision the fix leaves alone is not applied.
func (p *Plan) rederiveNetwork(a *Action, src, in, after *ecs.RegisterTaskDefinitionInput, st *ReadState) error {
	if in.NetworkMode != ecstypes.NetworkModeHost {
		return nil
	}
	if m := after.NetworkMode; m != ecstypes.NetworkModeAwsvpc && m != ecstypes.NetworkModeBridge {
		return &RederiveError{Action: a.ID, Path: "networkMode", Reason: fmt.Sprintf("is %q: the host-network fix sets awsvpc or bridge", m)}
	}
	var cfg *ConfiguredValues
	if st != nil {
		cfg = st.Config
	}
	if why := checkNetworkMove(a.RegisterTaskDefinition.SourceArn, src, after.NetworkMode, cfg); why != "" {
		return &RederiveError{Action: a.ID, Path: "networkMode", Reason: fmt.Sprintf("is %q, but the host-network fix leaves this revision in host mode: %s", after.NetworkMode, why)}
	}
	in.NetworkMode = after.NetworkMode
	if !sameContainers(in, after) {
		return nil // the comparison names the difference
	}
	for i := range in.ContainerDefinitions {
		pms, apms := in.ContainerDefinitions[i].PortMappings, after.ContainerDefinitions[i].PortMappings
		if len(pms) != len(apms) {
			continue
		}
		for j := range pms {
			hp := apms[j].HostPort
			if hp == nil || aws.ToInt32(hp) == aws.ToInt32(pms[j].ContainerPort) {
				pms[j].HostPort = hp
			}
		}
	}
	return nil
}

// checkNetworkMove is why the host-network fix would not move src, the source revision read at apply
// time (host mode), to networkMode mode, "" when it would: the planner's own refusals (fixHostNetwork)
// that depend on the revision and the applier's configuration (cfg; nil: no configured workloads, daemons
// not allowed). A container recognised as a host agent (workload.go, with fix.workloads) stays in host
// mode unless fix.host_network.allow_daemons; a revision none of whose containers declares a port mapping
// stays; bridge takes a single container, not on Fargate or Windows, without port ranges (hostToBridge).
// What the services that run the revision decide (DAEMON scheduling, which clusters have awsvpc settings)
// is not read at apply time; the update-service actions are re-derived against the configuration's
// awsvpc settings on their own.
func checkNetworkMove(sourceArn string, src *ecs.RegisterTaskDefinitionInput, mode ecstypes.NetworkMode, cfg *ConfiguredValues) string {
	// services: one, unnamed, for hostToBridge's wording ("the cluster of the services that run it")
	ctx := &revisionContext{inv: &detect.Inventory{}, source: &detect.TaskDefinition{}, services: []*ecstypes.Service{{}}}
	if cfg != nil {
		ctx.opts.Workloads = cfg.Workloads
		ctx.opts.HostNetwork.AllowDaemons = cfg.HostNetworkAllowDaemons
	}
	if !ctx.opts.HostNetwork.AllowDaemons {
		noServices := *ctx
		noServices.services = nil // DAEMON scheduling is not read at apply time
		if agents := hostAgents(&noServices, src); len(agents) > 0 {
			return "container " + strings.Join(agents, ", ") + ", which usually needs the host network (fix.host_network.allow_daemons is not set)"
		}
	}
	if r := unreachableWithoutPorts(src); r != "" {
		return r
	}
	if mode == ecstypes.NetworkModeBridge {
		cp, err := copyRegisterInput(src)
		if err != nil {
			return fmt.Sprintf("the source revision %s cannot be copied: %v", sourceArn, err)
		}
		if out, _ := hostToBridge(ctx, cp, nil, false); out.Skip != "" {
			return out.Skip
		}
	}
	return ""
}

// copyRegisterInput is a deep copy of in (through its JSON form), for a remedy to change.
func copyRegisterInput(in *ecs.RegisterTaskDefinitionInput) (*ecs.RegisterTaskDefinitionInput, error) {
	b, err := awsjson.Marshal(in)
	if err != nil {
		return nil, err
	}
	var out ecs.RegisterTaskDefinitionInput
	if err := awsjson.Unmarshal("registration copy", b, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// executionRoleGranted reports whether role is the role of a put-role-policy action of the plan.
func (p *Plan) executionRoleGranted(role, source string) bool {
	for i := range p.Actions {
		if pr := p.Actions[i].PutRolePolicy; p.Actions[i].Type == PutRolePolicy && pr != nil {
			if pr.Role == role || pr.Role == roleArnOf(role, source) {
				return true
			}
		}
	}
	return false
}

// rederiveExecutionRole sets After's execution role when the source has none and the plan grants it.
func (p *Plan) rederiveExecutionRole(a *Action, in, after *ecs.RegisterTaskDefinitionInput) error {
	if aws.ToString(in.ExecutionRoleArn) != "" || aws.ToString(after.ExecutionRoleArn) == "" {
		return nil
	}
	r := aws.ToString(after.ExecutionRoleArn)
	if !p.executionRoleGranted(r, a.RegisterTaskDefinition.SourceArn) {
		return &RederiveError{Action: a.ID, Path: "executionRoleArn", Reason: fmt.Sprintf("is set to %s, which no put-role-policy action of the plan grants", r)}
	}
	in.ExecutionRoleArn = after.ExecutionRoleArn
	return nil
}

// rederiveSecrets is the secrets fix (ECS.8) re-derived: environment entries removed (the others kept,
// in order), secrets added whose valueFrom is the placeholder of a create-secret action (a SecretRef),
// named as a removed entry, and an execution role the plan grants.
func (p *Plan) rederiveSecrets(a *Action, src, in, after *ecs.RegisterTaskDefinitionInput) error {
	c := a.RegisterTaskDefinition
	if err := p.rederiveExecutionRole(a, in, after); err != nil {
		return err
	}
	if !sameContainers(in, after) {
		return nil
	}
	refs := map[string]bool{}
	for _, r := range c.SecretRefs {
		refs[r.Path] = true
	}
	for i := range in.ContainerDefinitions {
		ic, ac := &in.ContainerDefinitions[i], &after.ContainerDefinitions[i]
		keep := map[string]bool{}
		for _, e := range ac.Environment {
			keep[aws.ToString(e.Name)] = true
		}
		removed := map[string]bool{}
		var kept []ecstypes.KeyValuePair
		for _, e := range ic.Environment {
			if keep[aws.ToString(e.Name)] {
				kept = append(kept, e)
			} else {
				removed[aws.ToString(e.Name)] = true
			}
		}
		if len(removed) == 0 {
			continue
		}
		ic.Environment = kept
		if len(ac.Secrets) < len(ic.Secrets) {
			continue
		}
		for j := len(ic.Secrets); j < len(ac.Secrets); j++ {
			s := ac.Secrets[j]
			path := fmt.Sprintf("containerDefinitions[%d].secrets[%d].valueFrom", i, j)
			if !refs[path] {
				return &RederiveError{Action: a.ID, Path: path, Reason: "is an added secret that no create-secret action of the plan stands for"}
			}
			if !removed[aws.ToString(s.Name)] {
				return &RederiveError{Action: a.ID, Path: fmt.Sprintf("containerDefinitions[%d].secrets[%d].name", i, j), Reason: fmt.Sprintf("is %q, not the name of an environment entry the fix moves", aws.ToString(s.Name))}
			}
			ic.Secrets = append(ic.Secrets, ecstypes.Secret{Name: s.Name, ValueFrom: s.ValueFrom})
		}
	}
	_ = src
	return nil
}

// rederiveLogs is the logging fix (ECS.9) re-derived: a container without a log driver gets After's
// awslogs configuration when it writes to a log group an ensure-log-group action of the plan makes, in
// the action's region, with the container's name as stream prefix (the options it had kept); and an
// execution role the plan grants.
func (p *Plan) rederiveLogs(a *Action, in, after *ecs.RegisterTaskDefinitionInput) error {
	if err := p.rederiveExecutionRole(a, in, after); err != nil {
		return err
	}
	if !sameContainers(in, after) {
		return nil
	}
	groups := map[string]bool{}
	for i := range p.Actions {
		if g := p.Actions[i].EnsureLogGroup; p.Actions[i].Type == EnsureLogGroup && g != nil && p.Actions[i].Region == a.Region {
			groups[g.Name] = true
		}
	}
	for i := range in.ContainerDefinitions {
		ic, ac := &in.ContainerDefinitions[i], &after.ContainerDefinitions[i]
		if ic.LogConfiguration != nil && ic.LogConfiguration.LogDriver != "" {
			continue
		}
		lc := ac.LogConfiguration
		if lc == nil || lc.LogDriver != ecstypes.LogDriverAwslogs {
			continue // the comparison names the difference
		}
		path := fmt.Sprintf("containerDefinitions[%d].logConfiguration.options", i)
		o := lc.Options
		if g := o["awslogs-group"]; !groups[g] {
			return &RederiveError{Action: a.ID, Path: path + ".awslogs-group", Reason: fmt.Sprintf("is %q, a log group no ensure-log-group action of the plan makes in %s", g, a.Region)}
		}
		if o["awslogs-region"] != a.Region || o["awslogs-stream-prefix"] != aws.ToString(ic.Name) {
			return &RederiveError{Action: a.ID, Path: path, Reason: "is not the action's region and the container's name as stream prefix"}
		}
		out := &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs, Options: map[string]string{}}
		if ic.LogConfiguration != nil {
			out.SecretOptions = ic.LogConfiguration.SecretOptions
			for k, v := range ic.LogConfiguration.Options {
				out.Options[k] = v
			}
		}
		for _, k := range []string{"awslogs-group", "awslogs-region", "awslogs-stream-prefix"} {
			out.Options[k] = o[k]
		}
		ic.LogConfiguration = out
	}
	return nil
}

// movesToAwsvpc reports whether the registration moves its revision from networkMode host to awsvpc
// (the host-network fix, with the configuration's awsvpc settings for the services moved to it).
func (r *RegisterTaskDefinitionChange) movesToAwsvpc() bool {
	var before, after struct {
		NetworkMode string `json:"networkMode"`
	}
	if json.Unmarshal(r.Before, &before) != nil || json.Unmarshal(r.After, &after) != nil {
		return false
	}
	return before.NetworkMode == string(ecstypes.NetworkModeHost) && after.NetworkMode == string(ecstypes.NetworkModeAwsvpc)
}

// editRiskRank orders an edit's own risk: none (its control's) below low, medium and high; a label that
// is not a risk ranks above high (Risk.Rank), within no unattended level.
func editRiskRank(r Risk) int {
	if r == "" {
		return 0
	}
	return r.Rank()
}
