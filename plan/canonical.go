package plan

import (
	"encoding/json"
	"slices"
	"strconv"

	"github.com/ecsfix/ecsfix/internal/jsonindent"
)

// The canonical form's actions, fingerprints and skipped findings, encoded by hand: the bytes
// json.MarshalIndent writes of each as an element of its list (jsonindent.Element with prefix "    " and
// indent "  "), without reflection. The plan file is signed and its content hashed, so these bytes must
// never change: canonical_reference_test.go compares them with encoding/json's on every plan the tests
// build, on values of every type filled field by field by reflection (a field added to a type and not
// written here fails it), and in a fuzz test. Where encoding/json would refuse a value (a registration's
// document that is not JSON) or lay it out otherwise (a document nested deeper than
// jsonindent.AppendValue follows), the element goes through encoding/json (jsonindent.Element) instead,
// for its bytes and its error.

// canonPrefix and canonIndent are the layout of a list element at depth 2 of the plan.
const (
	canonPrefix = "    "
	canonIndent = "  "
)

// canonLines are a new line, the prefix and indentation, by depth (canonLine).
const canonLines = "\n" + canonPrefix + "                                                                "

// canonWriter appends an element's JSON, indented as json.MarshalIndent lays it out at canonPrefix.
type canonWriter struct {
	b     []byte
	depth int
	ok    bool // false once a value is one encoding/json must encode (a document it refuses)
}

func (w *canonWriter) newline() {
	if n := 1 + len(canonPrefix) + w.depth*len(canonIndent); n <= len(canonLines) {
		w.b = append(w.b, canonLines[:n]...)
		return
	}
	w.b = append(w.b, '\n')
	w.b = append(w.b, canonPrefix...)
	for range w.depth {
		w.b = append(w.b, canonIndent...)
	}
}

// open starts an object or an array ('{' or '[').
func (w *canonWriter) open(c byte) {
	w.b = append(w.b, c)
	w.depth++
}

// close ends the object or array open ('}' or ']'): {} or [] when it has nothing in it.
func (w *canonWriter) close(c byte) {
	w.depth--
	if last := w.b[len(w.b)-1]; last != c-2 { // a value written ends with neither { nor [
		w.newline()
	}
	w.b = append(w.b, c)
}

// next separates a member or an element from the one before it, and puts it on its own line.
func (w *canonWriter) next() {
	if last := w.b[len(w.b)-1]; last != '{' && last != '[' {
		w.b = append(w.b, ',')
	}
	w.newline()
}

// key starts a member named name (a constant that needs no escaping).
func (w *canonWriter) key(name string) {
	w.next()
	w.b = append(w.b, '"')
	w.b = append(w.b, name...)
	w.b = append(w.b, '"', ':', ' ')
}

func (w *canonWriter) str(s string) { w.b = appendJSONStringHTML(w.b, s) }

// member writes a string member.
func (w *canonWriter) member(name, s string) {
	w.key(name)
	w.str(s)
}

// memberOmit writes a string member unless s is empty (omitempty).
func (w *canonWriter) memberOmit(name, s string) {
	if s != "" {
		w.member(name, s)
	}
}

func (w *canonWriter) boolean(v bool) {
	if v {
		w.b = append(w.b, "true"...)
	} else {
		w.b = append(w.b, "false"...)
	}
}

func (w *canonWriter) int32(v int32) { w.b = strconv.AppendInt(w.b, int64(v), 10) }

// strings writes a list of strings: null when it is nil (encoding/json's absent list), [] when empty.
func (w *canonWriter) strings(l []string) {
	if l == nil {
		w.b = append(w.b, "null"...)
		return
	}
	w.open('[')
	for _, s := range l {
		w.next()
		w.str(s)
	}
	w.close(']')
}

// stringsOmit writes a list of strings member unless it is empty (omitempty).
func (w *canonWriter) stringsOmit(name string, l []string) {
	if len(l) > 0 {
		w.key(name)
		w.strings(l)
	}
}

// stringMap writes a map of strings with its keys sorted, as encoding/json does: null when nil.
func (w *canonWriter) stringMap(m map[string]string) {
	if m == nil {
		w.b = append(w.b, "null"...)
		return
	}
	w.open('{')
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		w.next()
		w.str(k)
		w.b = append(w.b, ':', ' ')
		w.str(m[k])
	}
	w.close('}')
}

// list writes a list, each element by elem: null when nil, [] when empty.
func list[T any](w *canonWriter, l []T, elem func(w *canonWriter, v *T)) {
	if l == nil {
		w.b = append(w.b, "null"...)
		return
	}
	w.open('[')
	for i := range l {
		w.next()
		elem(w, &l[i])
	}
	w.close(']')
}

// listOmit writes a list member unless it is empty (omitempty).
func listOmit[T any](w *canonWriter, name string, l []T, elem func(w *canonWriter, v *T)) {
	if len(l) > 0 {
		w.key(name)
		list(w, l, elem)
	}
}

// raw writes a json.RawMessage as encoding/json does (compacted, HTML-escaped, then indented); ok turns
// false where encoding/json is to do it.
func (w *canonWriter) raw(m json.RawMessage) {
	if m == nil {
		w.b = append(w.b, "null"...)
		return
	}
	b, ok := jsonindent.AppendValue(w.b, m, canonPrefix, canonIndent, w.depth)
	if !ok {
		w.ok = false
		return
	}
	w.b = b
}

// appendCanonicalElement appends element i of a list: the comma after the element before (i > 0), a new
// line with canonPrefix, then the value by enc; false (b as it was) where encoding/json is to do it.
func appendCanonicalElement(b []byte, i int, enc func(w *canonWriter)) ([]byte, bool) {
	w := canonWriter{b: b, ok: true}
	if i > 0 {
		w.b = append(w.b, ',')
	}
	w.newline()
	enc(&w)
	if !w.ok {
		return b, false
	}
	return w.b, true
}

// canonAction writes a as canonicalAction(a) encodes: absent controls, a registration's absent edits and
// a cluster-settings change's absent settings written as [].
func canonAction(w *canonWriter, a *Action) {
	w.open('{')
	w.member("id", a.ID)
	w.member("type", string(a.Type))
	w.member("account", a.Account)
	w.member("region", a.Region)
	w.member("resource", a.Resource)
	w.key("controls")
	w.strings(nonNil(a.Controls))
	w.stringsOmit("findings", a.Findings)
	w.member("risk", string(a.Risk))
	w.member("summary", a.Summary)
	w.stringsOmit("notes", a.Notes)
	listOmit(w, "preconditions", a.Preconditions, func(w *canonWriter, c *Precondition) {
		w.open('{')
		w.member("check", c.Check)
		w.member("result", c.Result)
		w.close('}')
	})
	w.stringsOmit("dependsOn", a.DependsOn)
	optional(w, "registerTaskDefinition", a.RegisterTaskDefinition, canonRegister)
	optional(w, "updateService", a.UpdateService, canonUpdateService)
	optional(w, "updateClusterSettings", a.UpdateClusterSettings, canonClusterSettings)
	optional(w, "createSecret", a.CreateSecret, canonCreateSecret)
	optional(w, "putRolePolicy", a.PutRolePolicy, canonPutRolePolicy)
	if e := a.EnsureLogGroup; e != nil {
		w.key("ensureLogGroup")
		w.open('{')
		w.member("name", e.Name)
		if e.RetentionDays != 0 {
			w.key("retentionDays")
			w.int32(e.RetentionDays)
		}
		w.memberOmit("kmsKeyId", e.KmsKeyID)
		w.close('}')
	}
	if d := a.DeregisterTaskDefinition; d != nil {
		w.key("deregisterTaskDefinition")
		w.open('{')
		w.key("taskDefinitions")
		w.strings(d.TaskDefinitions)
		w.close('}')
	}
	if d := a.DetachRolePolicy; d != nil {
		w.key("detachRolePolicy")
		w.open('{')
		w.member("role", d.Role)
		w.member("policyArn", d.PolicyArn)
		w.close('}')
	}
	if r := a.RemovePolicyStatements; r != nil {
		w.key("removePolicyStatements")
		w.open('{')
		w.member("role", r.Role)
		w.member("policyName", r.PolicyName)
		w.member("before", r.Before)
		w.memberOmit("after", r.After)
		w.key("removed")
		w.strings(r.Removed)
		w.close('}')
	}
	if u := a.UpdateSecurityGroupIngress; u != nil {
		w.key("updateSecurityGroupIngress")
		w.open('{')
		w.member("groupId", u.GroupID)
		w.member("vpcId", u.VpcID)
		w.key("authorize")
		list(w, u.Authorize, canonIngressRule)
		w.key("revoke")
		list(w, u.Revoke, canonIngressRule)
		listOmit(w, "services", u.Services, canonProtectedService)
		w.close('}')
	}
	if c := a.CreateSecurityGroup; c != nil {
		w.key("createSecurityGroup")
		w.open('{')
		w.member("vpcId", c.VpcID)
		w.member("groupName", c.GroupName)
		w.member("description", c.Description)
		w.member("copyOf", c.CopyOf)
		w.key("ingress")
		list(w, c.Ingress, canonIngressRule)
		w.key("egress")
		list(w, c.Egress, canonIngressRule)
		if len(c.Tags) > 0 {
			w.key("tags")
			w.stringMap(c.Tags)
		}
		listOmit(w, "services", c.Services, canonProtectedService)
		w.close('}')
	}
	if u := a.UpdateAutoScalingGroup; u != nil {
		w.key("updateAutoScalingGroup")
		w.open('{')
		w.member("autoScalingGroup", u.AutoScalingGroup)
		w.member("name", u.Name)
		w.member("capacityProvider", u.CapacityProvider)
		for _, s := range []struct {
			name string
			v    *AutoScalingGroupSettings
		}{{"before", &u.Before}, {"after", &u.After}} {
			w.key(s.name)
			w.open('{')
			w.key("newInstancesProtectedFromScaleIn")
			w.boolean(s.v.NewInstancesProtectedFromScaleIn)
			w.close('}')
		}
		w.close('}')
	}
	if u := a.UpdateCapacityProvider; u != nil {
		w.key("updateCapacityProvider")
		w.open('{')
		w.member("capacityProvider", u.CapacityProvider)
		w.member("name", u.Name)
		w.member("autoScalingGroup", u.AutoScalingGroup)
		w.key("before")
		w.open('{')
		w.member("managedTerminationProtection", u.Before.ManagedTerminationProtection)
		w.close('}')
		w.key("after")
		w.open('{')
		w.member("managedTerminationProtection", u.After.ManagedTerminationProtection)
		w.close('}')
		w.close('}')
	}
	w.close('}')
}

func canonRegister(w *canonWriter, r *RegisterTaskDefinitionChange) {
	w.open('{')
	w.member("sourceArn", r.SourceArn)
	w.member("family", r.Family)
	w.key("before")
	w.raw(r.Before)
	w.key("after")
	w.raw(r.After)
	w.key("edits")
	list(w, nonNil(r.Edits), canonEdit)
	listOmit(w, "masked", r.Masked, func(w *canonWriter, m *Masked) {
		w.open('{')
		w.member("path", m.Path)
		w.member("sourcePath", m.SourcePath)
		w.close('}')
	})
	listOmit(w, "secretRefs", r.SecretRefs, func(w *canonWriter, s *SecretRef) {
		w.open('{')
		w.member("path", s.Path)
		w.member("from", s.From)
		w.memberOmit("key", s.Key)
		w.close('}')
	})
	w.close('}')
}

func canonEdit(w *canonWriter, e *Edit) {
	w.open('{')
	w.member("control", e.Control)
	w.member("path", e.Path)
	w.member("change", e.Change)
	w.memberOmit("risk", string(e.Risk))
	w.memberOmit("why", e.Why)
	w.close('}')
}

func canonUpdateService(w *canonWriter, u *UpdateServiceChange) {
	w.open('{')
	w.member("cluster", u.Cluster)
	w.member("service", u.Service)
	w.key("before")
	canonServiceSettings(w, &u.Before)
	w.key("after")
	canonServiceSettings(w, &u.After)
	w.memberOmit("taskDefinitionFrom", u.TaskDefinitionFrom)
	if len(u.SecurityGroupsFrom) > 0 {
		w.key("securityGroupsFrom")
		w.stringMap(u.SecurityGroupsFrom)
	}
	listOmit(w, "edits", u.Edits, canonEdit)
	w.close('}')
}

func canonServiceSettings(w *canonWriter, s *ServiceSettings) {
	w.open('{')
	w.memberOmit("taskDefinition", s.TaskDefinition)
	w.memberOmit("platformVersion", s.PlatformVersion)
	if n := s.Network; n != nil {
		w.key("network")
		w.open('{')
		w.key("subnets")
		w.strings(n.Subnets)
		w.key("securityGroups")
		w.strings(n.SecurityGroups)
		w.member("assignPublicIp", n.AssignPublicIp)
		w.close('}')
	}
	w.close('}')
}

func canonClusterSettings(w *canonWriter, u *UpdateClusterSettingsChange) {
	setting := func(w *canonWriter, s *ClusterSetting) {
		w.open('{')
		w.member("name", s.Name)
		w.member("value", s.Value)
		w.close('}')
	}
	w.open('{')
	w.member("cluster", u.Cluster)
	w.key("before")
	list(w, nonNil(u.Before), setting)
	w.key("after")
	list(w, nonNil(u.After), setting)
	w.close('}')
}

func canonCreateSecret(w *canonWriter, c *CreateSecretChange) {
	w.open('{')
	w.member("name", c.Name)
	w.memberOmit("kmsKeyId", c.KmsKeyID)
	w.key("json")
	w.boolean(c.JSON)
	w.key("values")
	list(w, c.Values, func(w *canonWriter, v *SecretValueSource) {
		w.open('{')
		w.member("key", v.Key)
		w.member("sourceArn", v.SourceArn)
		w.member("sourcePath", v.SourcePath)
		w.close('}')
	})
	if len(c.Tags) > 0 {
		w.key("tags")
		w.stringMap(c.Tags)
	}
	w.close('}')
}

func canonPutRolePolicy(w *canonWriter, p *PutRolePolicyChange) {
	w.open('{')
	w.member("role", p.Role)
	w.member("policyName", p.PolicyName)
	w.memberOmit("before", p.Before)
	w.key("statements")
	list(w, p.Statements, func(w *canonWriter, s *PolicyStatement) {
		w.open('{')
		w.member("sid", s.Sid)
		w.key("actions")
		w.strings(s.Actions)
		w.stringsOmit("resources", s.Resources)
		w.stringsOmit("resourcesFrom", s.ResourcesFrom)
		w.close('}')
	})
	w.close('}')
}

func canonIngressRule(w *canonWriter, r *IngressRule) {
	w.open('{')
	w.member("protocol", r.Protocol)
	w.key("fromPort")
	w.int32(r.FromPort)
	w.key("toPort")
	w.int32(r.ToPort)
	w.memberOmit("cidrIpv4", r.CidrIPv4)
	w.memberOmit("cidrIpv6", r.CidrIPv6)
	w.memberOmit("sourceGroup", r.SourceGroup)
	w.memberOmit("description", r.Description)
	w.close('}')
}

func canonProtectedService(w *canonWriter, s *ProtectedService) {
	w.open('{')
	w.member("cluster", s.Cluster)
	w.member("service", s.Service)
	w.close('}')
}

// canonFingerprint writes f as the canonical form does: absent facts as {}.
func canonFingerprint(w *canonWriter, f *Fingerprint) {
	w.open('{')
	w.member("resource", f.Resource)
	w.member("resourceType", f.ResourceType)
	w.member("region", f.Region)
	w.key("facts")
	facts := f.Facts
	if facts == nil {
		facts = map[string]string{}
	}
	w.stringMap(facts)
	w.close('}')
}

func canonSkipped(w *canonWriter, s *Skipped) {
	w.open('{')
	w.member("control", s.Control)
	w.member("resource", s.Resource)
	w.member("reason", s.Reason)
	w.close('}')
}

// jsonPlainHTML marks the bytes encoding/json writes in a string as they are with HTML escaping on:
// printable ASCII but for the quote, the backslash, <, > and &.
var jsonPlainHTML = jsonPlainBytes('<', '>', '&')

// appendJSONStringHTML appends s as encoding/json writes a string with HTML escaping on: as
// appendJSONString does, and <, > and & as \u003c, \u003e and \u0026.
func appendJSONStringHTML(dst []byte, s string) []byte {
	return appendJSONQuoted(dst, s, &jsonPlainHTML)
}

// optional writes key and v by write when v is set (a field of encoding/json's omitempty on a pointer).
func optional[T any](w *canonWriter, key string, v *T, write func(*canonWriter, *T)) {
	if v != nil {
		w.key(key)
		write(w, v)
	}
}
