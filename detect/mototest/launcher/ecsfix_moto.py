"""Starts the moto AWS emulator with the mends ecsfix's tests need.

moto 5.2.1 answers some calls differently from AWS in ways no test can work around. This launcher patches
moto's Python classes, the way moto itself would implement the call, and then runs moto's own server, so
the SDK's real requests go through moto's real request parsing and response rendering.

Run it exactly as moto_server (same arguments):

    python3 ecsfix_moto.py -H 127.0.0.1 -p 5000

Each mend is one function named mend_<service>_<call>, listed in MENDS and applied at start. A mend that
no longer finds what it patches fails the start: moto changed and the mend must be reviewed. Do not name a
file next to this one like a top-level package (moto.py, boto3.py): it would shadow that package.
"""

import sys

# Exit code when the interpreter cannot import moto (the Go harness then tries another interpreter).
EXIT_NO_MOTO = 3


def mend_ecs_describe_capacity_providers():
    """ECS DescribeCapacityProviders without names describes every capacity provider of the account and
    region, as AWS does. moto 5.2.1 iterates over the missing list and answers 500. Not paged: moto keeps
    few providers, and AWS returns no nextToken when all fit in one page."""
    from moto.ecs.models import EC2ContainerServiceBackend

    original = EC2ContainerServiceBackend.describe_capacity_providers

    def describe_capacity_providers(self, names=None):
        if not names:
            return list(self.capacity_providers.values()), []
        return original(self, names)

    EC2ContainerServiceBackend.describe_capacity_providers = describe_capacity_providers


def mend_kms_get_public_key():
    """KMS GetPublicKey names the key by its ARN and its spec in KeySpec, as AWS does. moto 5.2.1 answers
    the bare key id and only the deprecated CustomerMasterKeySpec."""
    import base64
    import json

    from moto.kms.responses import KmsResponse

    KmsResponse.get_public_key  # fails the start when moto renames it

    def get_public_key(self):
        key_id = self._get_param("KeyId")

        self._validate_key_id(key_id)
        key, public_key = self.kms_backend.get_public_key(key_id)
        return json.dumps(
            {
                "CustomerMasterKeySpec": key.key_spec,
                "EncryptionAlgorithms": key.encryption_algorithms,
                "KeyId": key.arn,
                "KeySpec": key.key_spec,
                "KeyUsage": key.key_usage,
                "PublicKey": base64.b64encode(public_key).decode("UTF-8"),
                "SigningAlgorithms": key.signing_algorithms,
            }
        )

    KmsResponse.get_public_key = get_public_key


def mend_ecs_update_service_deployment():
    """UpdateService that changes what the tasks run (task definition, platform version, network
    configuration) or forces a new deployment starts a new PRIMARY deployment of that configuration, as
    on AWS; moto 5.2.1 changes the service but leaves its deployment on the old task definition, so a
    service never reads as having deployed what it was updated to. moto runs no tasks: the new deployment
    is COMPLETED at once, with the old one's counts, and replaces it. The service names its task
    definition by ARN, as AWS answers, whatever form the request used."""
    import copy

    from moto.core.utils import utcnow
    from moto.ecs.models import EC2ContainerServiceBackend
    from moto.moto_api._internal import mock_random

    original = EC2ContainerServiceBackend.update_service

    def update_service(self, service_properties):
        cluster = service_properties.get("cluster", "default")
        name = str(service_properties.get("service", "")).split("/")[-1]
        force = bool(service_properties.get("force_new_deployment"))
        before = self._get_service(cluster, name)
        was = (before.task_definition, before.platform_version, copy.deepcopy(before.network_configuration))
        service = original(self, service_properties)
        if service.task_definition:
            service.task_definition = self.describe_task_definition(service.task_definition).arn
        now = (service.task_definition, service.platform_version, service.network_configuration)
        if service.deployments and (force or now[0] != was[0] or now[1] != was[1] or now[2] != was[2]):
            d = dict(service.deployments[0])
            d.update(
                {
                    "id": f"ecs-svc/{mock_random.randint(0, 32**12)}",
                    "createdAt": utcnow(),
                    "updatedAt": utcnow(),
                    "status": "PRIMARY",
                    "rolloutState": "COMPLETED",
                    "rolloutStateReason": "ECS deployment completed.",
                    "taskDefinition": service.task_definition,
                    "platformVersion": service.platform_version,
                    "networkConfiguration": service.network_configuration,
                }
            )
            service.deployments = [d]
        return service

    EC2ContainerServiceBackend.update_service = update_service


def mend_ecs_service_assign_public_ip():
    """An ECS service created with an awsvpc network configuration that does not set assignPublicIp reads
    back with assignPublicIp DISABLED, AWS's default (moto 5.2.1 keeps the configuration as sent, so
    DescribeServices omits the field, which AWS never does)."""
    from moto.ecs.models import Service

    original = Service._validate_network

    def _validate_network(self, nc):
        nc = original(self, nc)
        awsvpc = nc.get("awsvpcConfiguration")
        if isinstance(awsvpc, dict) and not awsvpc.get("assignPublicIp"):
            awsvpc["assignPublicIp"] = "DISABLED"
        return nc

    Service._validate_network = _validate_network


# --- IAM enforcement (INITIAL_NO_AUTH_ACTION_COUNT) -----------------------------------------------------
#
# With INITIAL_NO_AUTH_ACTION_COUNT set, moto checks each request's signature and evaluates the caller's
# identity policies for the request's action (moto/core/authorization.py, moto/iam/access_control.py).
# Out of the box it evaluates the Resource element against "*" (so a scoped statement never matches) except
# for the services that name the resource (IAM roles, SQS, STS), and it ignores Condition elements on
# identity policies (no request supplies context keys; an unsupported operator passes). The mends below
# make moto evaluate what ecsfix's documented policies use:
#
#   enforced: the action of every request; the resource ARN of Secrets Manager secrets, CloudWatch Logs
#     log groups and IAM roles (moto's own); the condition keys iam:PolicyARN (AttachRolePolicy,
#     DetachRolePolicy, ...) and iam:PassedToService; the operators String*, Arn*, Bool, with IfExists;
#     iam:PassRole for the roles an ECS RegisterTaskDefinition names.
#   not enforced: other resource types (ECS, EC2, ELB and KMS requests match only Resource "*" or a
#     pattern that matches "*"); other condition keys (an Allow statement that needs one does not apply:
#     the request is refused, never allowed by mistake); calls another service makes on the caller's
#     behalf (kms:Decrypt and kms:GenerateDataKey by Secrets Manager); resource-based policies, permission
#     boundaries and SCPs.


def mend_iam_resource_arns():
    """Secrets Manager and CloudWatch Logs requests are evaluated against the ARN of the secret or log
    group they name (moto passes "*"), as IAM does: a secret by its ARN (a name not yet created, as for
    CreateSecret, by arn:...:secret:NAME), a log group as arn:...:log-group:NAME (a resourceArn parameter
    as given)."""
    from moto.logs.responses import LogsResponse
    from moto.secretsmanager.responses import SecretsManagerResponse
    from moto.secretsmanager.models import secretsmanager_backends
    from moto.utilities.utils import get_partition

    def secret_resource(self):
        name = self._get_param("SecretId") or self._get_param("Name")
        if not name:
            return "*"
        if name.startswith("arn:"):
            return name
        backend = secretsmanager_backends[self.current_account][self.region]
        if name in backend.secrets:
            return backend.secrets[name].arn
        return f"arn:{get_partition(self.region)}:secretsmanager:{self.region}:{self.current_account}:secret:{name}"

    def log_group_resource(self):
        arn = self._get_param("resourceArn")
        if arn:
            return arn
        name = self._get_param("logGroupName")
        if not name:
            return "*"
        return f"arn:{get_partition(self.region)}:logs:{self.region}:{self.current_account}:log-group:{name}"

    for cls in (SecretsManagerResponse, LogsResponse):
        if hasattr(cls, "_determine_resource"):
            raise RuntimeError(f"{cls.__name__} has a _determine_resource of its own now: review this mend")
    SecretsManagerResponse._determine_resource = secret_resource
    LogsResponse._determine_resource = log_group_resource


class RequestContext(dict):
    """The condition keys of one request (a dict that marks identity-policy evaluation)."""


def _condition_matches(operator, expected, actual):
    import fnmatch

    base = operator[: -len("IfExists")] if operator.endswith("IfExists") else operator
    if actual is None:
        # AWS: a missing key satisfies ...IfExists and the negated operators, nothing else.
        return operator.endswith("IfExists") or "Not" in base
    expected = expected if isinstance(expected, list) else [expected]
    expected = [str(e) for e in expected]
    if base in ("StringEquals", "ArnEquals"):
        return actual in expected
    if base == "StringEqualsIgnoreCase":
        return actual.lower() in [e.lower() for e in expected]
    if base in ("StringLike", "ArnLike"):
        return any(fnmatch.fnmatchcase(actual, e) for e in expected)
    if base in ("StringNotEquals", "ArnNotEquals"):
        return actual not in expected
    if base in ("StringNotLike", "ArnNotLike"):
        return not any(fnmatch.fnmatchcase(actual, e) for e in expected)
    if base == "Bool":
        return actual.lower() in [e.lower() for e in expected]
    return None  # not evaluated


def mend_iam_conditions():
    """Identity policies' Condition elements are evaluated on the request's context keys, as IAM does: a
    statement whose condition is not met does not apply (moto answers an Allow statement whose condition
    fails with an explicit deny, and passes any condition whose key it lacks or whose operator it does not
    know). Keys: iam:PolicyARN (the PolicyArn parameter of an IAM request), iam:PassedToService (the
    iam:PassRole check below), securityhub:ASFFSyntaxPath/Workflow.Status (the workflow status a
    BatchUpdateFindings request sets) and securityhub:OCSFSyntaxPath/StatusId (the status id a
    BatchUpdateFindingsV2 request sets; AWS authorises that call as securityhub:BatchUpdateFindings). A condition moto cannot evaluate (another key or operator) makes an
    Allow statement not apply and a Deny statement apply: a test of a policy is refused where AWS might
    allow, never the reverse. A Deny whose condition is evaluated and not met does not apply. Trust
    policies (sts:AssumeRole) keep moto's own evaluation."""
    from moto.iam import access_control
    from moto.iam.access_control import IAMPolicy, IAMPolicyStatement, IAMRequestBase, PermissionResult

    original_check_conditions = IAMPolicyStatement._check_conditions
    original_statement_permitted = IAMPolicyStatement.is_action_permitted

    def _check_conditions(self, incoming_condition_values):
        if not isinstance(incoming_condition_values, RequestContext):
            return original_check_conditions(self, incoming_condition_values)
        for operator, keys in (self._statement.get("Condition") or {}).items():
            for key, expected in keys.items():
                matched = _condition_matches(operator, expected, incoming_condition_values.get(key.lower()))
                if not matched:
                    return False
        return True

    # The keys this mend puts in a request's context when the request has them: a request without one
    # lacks it, as on AWS (a missing key meets only ...IfExists and the negated operators).
    known_keys = {"iam:policyarn", "iam:passedtoservice", "securityhub:asffsyntaxpath/workflow.status",
                  "securityhub:ocsfsyntaxpath/statusid"}

    def evaluated(self, context):
        # Every key of the condition is one the mend knows and every operator one evaluated here.
        for operator, keys in (self._statement.get("Condition") or {}).items():
            for key, expected in keys.items():
                if key.lower() not in known_keys or _condition_matches(operator, expected, "") is None:
                    return False
        return True

    def is_action_permitted(self, action, resource="*", principal=None, incoming_condition_values=None):
        result = original_statement_permitted(self, action, resource, principal, incoming_condition_values)
        if result == PermissionResult.DENIED and isinstance(incoming_condition_values, RequestContext):
            if self._statement.get("Effect") == "Allow":
                return PermissionResult.NEUTRAL  # an Allow whose condition is not met does not apply
            if (
                self._statement.get("Condition")
                and evaluated(self, incoming_condition_values)
                and not _check_conditions(self, incoming_condition_values)
            ):
                return PermissionResult.NEUTRAL  # nor does a Deny whose condition is evaluated and not met
        return result

    def check_action_permitted(self, resource, context=None):
        if self._action == "sts:GetCallerIdentity":  # always allowed, as in moto and AWS
            return
        if self._action == "securityhub:BatchUpdateFindingsV2":
            # AWS authorises BatchUpdateFindingsV2 as securityhub:BatchUpdateFindings (there is no V2 action)
            self._action = "securityhub:BatchUpdateFindings"
            v2 = True
        else:
            v2 = False
        if context is None:
            context = RequestContext()
            policy_arn = (self._data or {}).get("PolicyArn")
            if isinstance(policy_arn, list):
                policy_arn = policy_arn[0] if policy_arn else None
            if self._action.startswith("iam:") and policy_arn:
                context["iam:policyarn"] = policy_arn
            if self._action == "securityhub:BatchUpdateFindings":
                import json

                try:
                    update = json.loads(self._body or b"{}")
                except ValueError:
                    update = {}
                if not isinstance(update, dict):
                    update = {}
                if v2:
                    if isinstance(update.get("StatusId"), int):
                        context["securityhub:ocsfsyntaxpath/statusid"] = str(update["StatusId"])
                else:
                    status = (update.get("Workflow") or {}).get("Status")
                    if isinstance(status, str):
                        context["securityhub:asffsyntaxpath/workflow.status"] = status
        permitted = False
        for policy in self._access_key.collect_policies():
            result = IAMPolicy(policy).is_action_permitted(self._action, resource, None, context)
            if result == PermissionResult.DENIED:
                self._raise_access_denied()
            elif result == PermissionResult.PERMITTED:
                permitted = True
        if self._is_assuming_role_operation(resource):
            permitted = permitted and self._check_role_trust_relationship(resource)
        if not permitted:
            self._raise_access_denied()

    for name in ("_check_conditions", "is_action_permitted"):
        if not hasattr(IAMPolicyStatement, name):
            raise RuntimeError(f"IAMPolicyStatement.{name} is gone: review this mend")
    if not hasattr(IAMRequestBase, "check_action_permitted") or not hasattr(IAMRequestBase, "_is_assuming_role_operation"):
        raise RuntimeError("IAMRequestBase changed: review this mend")
    IAMPolicyStatement._check_conditions = _check_conditions
    IAMPolicyStatement.is_action_permitted = is_action_permitted
    IAMRequestBase.check_action_permitted = check_action_permitted
    access_control.RequestContext = RequestContext


def mend_iam_access_denied_errors():
    """A request its caller's policies do not allow is answered as the service answers it, so that the
    SDK decodes the denial: a JSON-protocol service (ECS, Secrets Manager, CloudWatch Logs, ...) with 400
    and a JSON body of __type AccessDeniedException; a query-protocol service other than EC2 (IAM, STS,
    Elastic Load Balancing) with 403 and <ErrorResponse><Error>...AccessDenied...</Error></ErrorResponse>.
    moto answers all but EC2 and S3 with EC2's error layout (<Errors><Error>), which the SDKs of those
    services cannot decode (the caller sees a deserialization error or UnknownError, not the denial). Security
    Hub and Inspector (inspector2), REST-JSON services, are answered with 403 and a JSON
    AccessDeniedException."""
    from xml.sax.saxutils import escape

    from moto.core.exceptions import AccessDeniedError, JsonRESTError
    from moto.iam.access_control import IAMRequest

    original = IAMRequest._raise_access_denied

    class QueryAccessDeniedError(AccessDeniedError):
        def __init__(self, user_arn, action):
            super().__init__(user_arn, action)
            self.description = (
                '<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Sender</Type>'
                f"<Code>AccessDenied</Code><Message>{escape(self.message)}</Message></Error>"
                "<RequestId>ecsfix-moto-access-denied</RequestId></ErrorResponse>"
            )

    class RestJsonAccessDeniedError(JsonRESTError):
        code = 403

    def _raise_access_denied(self):
        message = f"User: {self._access_key.arn} is not authorized to perform: {self._action}"
        if self._headers.get("X-Amz-Target"):
            raise JsonRESTError("AccessDeniedException", message)
        if self._service in ("securityhub", "inspector2"):
            # a REST-JSON service: 403 and AccessDeniedException, as Security Hub and Inspector answer
            raise RestJsonAccessDeniedError("AccessDeniedException", message)
        if self._service != "ec2":
            raise QueryAccessDeniedError(user_arn=self._access_key.arn, action=self._action)
        original(self)

    IAMRequest._raise_access_denied = _raise_access_denied


def mend_ecs_register_task_definition_pass_role():
    """ECS RegisterTaskDefinition naming a task role or an execution role needs iam:PassRole on that role
    (with iam:PassedToService ecs-tasks.amazonaws.com), as in AWS; moto checks only ecs:RegisterTaskDefinition."""
    from moto.core import authorization
    from moto.ecs.responses import EC2ContainerServiceResponse
    from moto.iam.access_control import IAMRequest
    from moto import settings

    original = EC2ContainerServiceResponse._authenticate_and_authorize_normal_action

    def _authenticate_and_authorize_normal_action(self, resource="*"):
        enforced = authorization.ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT
        original(self, resource)
        if not enforced or self._get_action() != "RegisterTaskDefinition":
            return
        roles = [self._get_param("taskRoleArn"), self._get_param("executionRoleArn")]
        for role in [r for r in roles if r]:
            request = IAMRequest(
                account_id=self.current_account,
                method=self.method,
                path=self.uri,
                data=self.data,
                body=self.raw_body,
                headers=self.headers,
                action="PassRole",
            )
            request._action = "iam:PassRole"
            request.check_action_permitted(role, RequestContext({"iam:passedtoservice": "ecs-tasks.amazonaws.com"}))

    EC2ContainerServiceResponse._authenticate_and_authorize_normal_action = _authenticate_and_authorize_normal_action


def mend_securityhub_batch_update_findings():
    """Security Hub BatchUpdateFindings (PATCH /findings/batchupdate) updates the stored findings it
    names, by Id and ProductArn, as AWS does: Workflow.Status, Note (Text and UpdatedBy, with UpdatedAt),
    Severity.Label, VerificationState, Confidence, Criticality, Types and UserDefinedFields, and the
    finding's UpdatedAt. It answers ProcessedFindings and, for a finding it does not hold,
    UnprocessedFindings with ErrorCode FindingNotFound. A request naming no or more than 100 findings, a
    note of more than 512 characters or without UpdatedBy, or an unknown workflow status is refused with
    InvalidInputException, as on AWS. moto 5.2.1 lacks the call."""
    import json

    from moto.core.utils import utcnow
    from moto.securityhub import urls
    from moto.securityhub.exceptions import InvalidInputException
    from moto.securityhub.models import SecurityHubBackend
    from moto.securityhub.responses import SecurityHubResponse

    SecurityHubBackend.batch_import_findings  # fails the start when moto renames it
    urls.url_paths["{0}/findings/batchupdate$"] = SecurityHubResponse.dispatch
    op = "BatchUpdateFindings"

    def batch_update_findings(self, finding_identifiers, note=None, workflow=None, severity=None,
                              verification_state=None, confidence=None, criticality=None, types=None,
                              user_defined_fields=None):
        if not finding_identifiers or len(finding_identifiers) > 100:
            raise InvalidInputException(op=op, msg="FindingIdentifiers must name 1 to 100 findings")
        if note is not None:
            if not note.get("Text") or not note.get("UpdatedBy"):
                raise InvalidInputException(op=op, msg="Note requires Text and UpdatedBy")
            if len(note["Text"]) > 512:
                raise InvalidInputException(op=op, msg="Note.Text must be at most 512 characters")
        status = (workflow or {}).get("Status")
        if workflow is not None and status not in ("NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED"):
            raise InvalidInputException(op=op, msg=f"Workflow.Status {status} is not valid")
        now = utcnow().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        processed, unprocessed = [], []
        for ident in finding_identifiers:
            finding = next((f for f in self.findings if f.id == ident.get("Id")
                            and f.data.get("ProductArn") == ident.get("ProductArn")), None)
            if finding is None:
                unprocessed.append({"FindingIdentifier": ident, "ErrorCode": "FindingNotFound",
                                    "ErrorMessage": "Finding Not Found"})
                continue
            data = finding.data
            if note is not None:
                data["Note"] = {"Text": note["Text"], "UpdatedBy": note["UpdatedBy"], "UpdatedAt": now}
            if status is not None:
                data["Workflow"] = {"Status": status}
                data["WorkflowState"] = {"NOTIFIED": "ASSIGNED", "SUPPRESSED": "DEFERRED"}.get(status, status)
            if severity is not None:
                data["Severity"] = {**data.get("Severity", {}), **severity}
            if verification_state is not None:
                data["VerificationState"] = verification_state
            if confidence is not None:
                data["Confidence"] = confidence
            if criticality is not None:
                data["Criticality"] = criticality
            if types is not None:
                data["Types"] = types
            if user_defined_fields is not None:
                data["UserDefinedFields"] = user_defined_fields
            data["UpdatedAt"] = now
            processed.append({"Id": finding.id, "ProductArn": data.get("ProductArn")})
        return processed, unprocessed

    def response(self):
        params = json.loads(self.body) if self.body else {}
        processed, unprocessed = self.securityhub_backend.batch_update_findings(
            finding_identifiers=params.get("FindingIdentifiers"),
            note=params.get("Note"),
            workflow=params.get("Workflow"),
            severity=params.get("Severity"),
            verification_state=params.get("VerificationState"),
            confidence=params.get("Confidence"),
            criticality=params.get("Criticality"),
            types=params.get("Types"),
            user_defined_fields=params.get("UserDefinedFields"),
        )
        return json.dumps({"ProcessedFindings": processed, "UnprocessedFindings": unprocessed})

    SecurityHubBackend.batch_update_findings = batch_update_findings
    SecurityHubResponse.batch_update_findings = response


def mend_securityhub_get_findings_v2():
    """Security Hub GetFindingsV2 (POST /findingsv2) answers the stored findings in OCSF, paged by
    MaxResults (1 to 100) and NextToken, as AWS does. moto 5.2.1 lacks the call, and stores findings in
    ASFF only (BatchImportFindings): each is answered in its OCSF form (finding_info.uid the Id,
    metadata.product.uid the ProductArn, cloud.account.uid and cloud.region, compliance.control and
    compliance.status, status from Workflow.Status, comment from Note.Text, resources by uid and type).
    A stored finding whose GeneratorId is "security-hub/Exposure" stands for an exposure finding
    (finding_info.analytic.name Exposure, metadata.product.feature.uid security-hub/Exposure), which
    BatchImportFindings cannot create. Like moto's GetFindings, it ignores Filters, SortCriteria and
    Scopes: clients filter again."""
    import json

    from moto.securityhub import urls
    from moto.securityhub.exceptions import InvalidInputException
    from moto.securityhub.models import SecurityHubBackend
    from moto.securityhub.responses import SecurityHubResponse
    from moto.utilities.paginator import paginate

    SecurityHubBackend.PAGINATION_MODEL["get_findings"]  # fails the start when moto renames it
    urls.url_paths["{0}/findingsv2$"] = SecurityHubResponse.dispatch
    SecurityHubBackend.PAGINATION_MODEL["get_findings_v2"] = {
        "input_token": "next_token",
        "limit_key": "max_results",
        "limit_default": 100,
        "unique_attribute": "id",
        "fail_on_invalid_token": True,
    }
    compliance_status = {"PASSED": "Pass", "FAILED": "Fail", "WARNING": "Warning", "NOT_AVAILABLE": "Not Applicable"}
    workflow_status = {"NEW": "New", "NOTIFIED": "In Progress", "RESOLVED": "Resolved", "SUPPRESSED": "Suppressed"}

    def ocsf(data):
        finding_info = {"uid": data.get("Id"), "title": data.get("Title"), "desc": data.get("Description"),
                        "types": data.get("Types", []), "created_time_dt": data.get("CreatedAt"),
                        "modified_time_dt": data.get("UpdatedAt")}
        product = {"uid": data.get("ProductArn"), "name": data.get("ProductName")}
        exposure = data.get("GeneratorId") == "security-hub/Exposure"
        if exposure:
            finding_info["analytic"] = {"name": "Exposure", "type": "Rule", "type_id": 1}
            product["feature"] = {"uid": "security-hub/Exposure"}
        out = {
            "class_name": "Detection Finding" if exposure or "Compliance" not in data else "Compliance Finding",
            "cloud": {"account": {"uid": data.get("AwsAccountId")}, "provider": "AWS", "region": data.get("Region")},
            "finding_info": finding_info,
            "metadata": {"product": product, "version": "1.6.0"},
            "resources": [{"uid": r.get("Id"), "type": r.get("Type"), "region": r.get("Region")}
                          for r in data.get("Resources", [])],
            "severity": (data.get("Severity") or {}).get("Label", "INFORMATIONAL").title(),
            "status": workflow_status.get((data.get("Workflow") or {}).get("Status", "NEW"), "Other"),
        }
        compliance = data.get("Compliance")
        if compliance and not exposure:
            out["compliance"] = {"control": compliance.get("SecurityControlId"),
                                 "status": compliance_status.get(compliance.get("Status"), "Unknown")}
        note = data.get("Note")
        if note:
            out["comment"] = note.get("Text")
        return out

    @paginate(pagination_model=SecurityHubBackend.PAGINATION_MODEL)
    def get_findings_v2(self, max_results=None):
        if max_results is not None and not 1 <= int(max_results) <= 100:
            raise InvalidInputException(op="GetFindingsV2", msg="MaxResults must be a number between 1 and 100")
        return list(self.findings)

    def response(self):
        params = json.loads(self.body) if self.body else {}
        findings, next_token = self.securityhub_backend.get_findings_v2(
            max_results=params.get("MaxResults"), next_token=params.get("NextToken"))
        out = {"Findings": [ocsf(f.as_dict()) for f in findings]}
        if next_token:
            out["NextToken"] = next_token
        return json.dumps(out)

    SecurityHubBackend.get_findings_v2 = get_findings_v2
    SecurityHubResponse.get_findings_v2 = response


def mend_securityhub_batch_update_findings_v2():
    """Security Hub BatchUpdateFindingsV2 (PATCH /findingsv2/batchupdatev2) updates the stored findings it
    names by FindingIdentifiers (CloudAccountUid, FindingInfoUid, MetadataProductUid), as AWS does for
    OCSF findings: StatusId (1 New, 2 In Progress, 3 Suppressed, 4 Resolved: stored as the ASFF
    Workflow.Status NEW, NOTIFIED, SUPPRESSED, RESOLVED, which GetFindingsV2 answers as status), Comment
    (stored as the Note, answered as comment) and SeverityId, and the finding's UpdatedAt. It answers
    ProcessedFindings and, for a finding it does not hold, UnprocessedFindings with ErrorCode
    ResourceNotFoundException. A request naming no or more than 100 findings, a comment of more than 512
    characters, or an unknown status id is refused with InvalidInputException. moto 5.2.1 lacks the call.
    MetadataUids (the findings' metadata.uid, which BatchImportFindings cannot set) are not served."""
    import json

    from moto.core.utils import utcnow
    from moto.securityhub import urls
    from moto.securityhub.exceptions import InvalidInputException
    from moto.securityhub.models import SecurityHubBackend
    from moto.securityhub.responses import SecurityHubResponse

    SecurityHubBackend.batch_import_findings  # fails the start when moto renames it
    urls.url_paths["{0}/findingsv2/batchupdatev2$"] = SecurityHubResponse.dispatch
    op = "BatchUpdateFindingsV2"
    statuses = {1: "NEW", 2: "NOTIFIED", 3: "SUPPRESSED", 4: "RESOLVED"}
    severities = {1: "INFORMATIONAL", 2: "LOW", 3: "MEDIUM", 4: "HIGH", 5: "CRITICAL", 6: "CRITICAL"}

    def batch_update_findings_v2(self, finding_identifiers=None, comment=None, status_id=None, severity_id=None):
        if not finding_identifiers or len(finding_identifiers) > 100:
            raise InvalidInputException(op=op, msg="FindingIdentifiers must name 1 to 100 findings")
        if comment is not None and len(comment) > 512:
            raise InvalidInputException(op=op, msg="Comment must be at most 512 characters")
        if status_id is not None and status_id not in statuses:
            raise InvalidInputException(op=op, msg=f"StatusId {status_id} is not valid")
        if severity_id is not None and severity_id not in severities:
            raise InvalidInputException(op=op, msg=f"SeverityId {severity_id} is not valid")
        now = utcnow().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        processed, unprocessed = [], []
        for ident in finding_identifiers:
            finding = next((f for f in self.findings if f.id == ident.get("FindingInfoUid")
                            and f.data.get("ProductArn") == ident.get("MetadataProductUid")
                            and f.data.get("AwsAccountId") == ident.get("CloudAccountUid")), None)
            if finding is None:
                unprocessed.append({"FindingIdentifier": ident, "ErrorCode": "ResourceNotFoundException",
                                    "ErrorMessage": "Finding Not Found"})
                continue
            data = finding.data
            if comment is not None:
                data["Note"] = {"Text": comment, "UpdatedBy": op, "UpdatedAt": now}
            if status_id is not None:
                data["Workflow"] = {"Status": statuses[status_id]}
                data["WorkflowState"] = {"NOTIFIED": "ASSIGNED", "SUPPRESSED": "DEFERRED"}.get(statuses[status_id], statuses[status_id])
            if severity_id is not None:
                data["Severity"] = {**data.get("Severity", {}), "Label": severities[severity_id]}
            data["UpdatedAt"] = now
            processed.append({"FindingIdentifier": ident})
        return processed, unprocessed

    def response(self):
        params = json.loads(self.body) if self.body else {}
        if params.get("MetadataUids"):
            raise InvalidInputException(op=op, msg="MetadataUids are not served by this emulator: name findings by FindingIdentifiers")
        processed, unprocessed = self.securityhub_backend.batch_update_findings_v2(
            finding_identifiers=params.get("FindingIdentifiers"),
            comment=params.get("Comment"),
            status_id=params.get("StatusId"),
            severity_id=params.get("SeverityId"),
        )
        return json.dumps({"ProcessedFindings": processed, "UnprocessedFindings": unprocessed})

    SecurityHubBackend.batch_update_findings_v2 = batch_update_findings_v2
    SecurityHubResponse.batch_update_findings_v2 = response


def mend_sts_assume_role_of_missing_role():
    """sts AssumeRole of a role that does not exist is refused with AccessDenied, as in AWS ("User: ... is
    not authorized to perform: sts:AssumeRole on resource: ..."); moto hands out credentials for any ARN
    (in the ARN's account), so a member account without the role could not be told from one with it."""
    from moto.iam.exceptions import NotFoundException
    from moto.iam.models import iam_backends
    from moto.sts.exceptions import STSClientError
    from moto.sts.models import STSBackend
    from moto.utilities.utils import get_partition

    original = STSBackend.assume_role

    def assume_role(self, region_name, role_session_name, role_arn, *args, **kwargs):
        parts = role_arn.split(":")
        account = parts[4] if len(parts) > 5 else ""
        try:
            iam_backends[account][get_partition(region_name)].get_role_by_arn(role_arn)
        except (NotFoundException, KeyError):
            raise STSClientError(
                "AccessDenied",
                f"User: arn:aws:iam::{self.account_id}:user/caller is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
            )
        return original(self, region_name, role_session_name, role_arn, *args, **kwargs)

    STSBackend.assume_role = assume_role


def mend_ecr_image_digest():
    """ECR PutImage gives an image the digest of its manifest, sha256 of the manifest's bytes, as AWS
    (and every registry) does. moto 5.2.1 hashes the concatenated layer digests, and a manifest without
    layers (an image index) gets a random digest, so no client could check a manifest it reads against
    its digest."""
    import hashlib

    from moto.ecr.models import Image

    Image._create_digest  # fails the start when moto renames it

    def _create_digest(self):
        self._image_digest = "sha256:" + hashlib.sha256(self.image_manifest.encode("utf-8")).hexdigest()

    Image._create_digest = _create_digest


def mend_ecr_batch_get_image():
    """ECR BatchGetImage answers only the manifests whose media type is among acceptedMediaTypes (when
    given), and names a failure by the id it was asked for (imageDigest or imageTag), as AWS does. moto
    5.2.1 ignores acceptedMediaTypes and names every failure by imageTag "null". A manifest of a type not
    accepted is answered as the registry API answers it (not found): AWS may convert a Docker v2
    manifest to schema 1, which no ecsfix call accepts."""
    from moto.ecr.models import ECRBackend
    from moto.ecr.responses import ECRResponse
    from moto.core.responses import ActionResult

    original = ECRBackend.batch_get_image

    def batch_get_image(self, repository_name, registry_id=None, image_ids=None, accepted_media_types=None):
        response = original(self, repository_name, registry_id, image_ids)
        images, failures = [], []
        for image_id in image_ids or []:
            found = [i for i in response["images"]
                     if ("imageDigest" in image_id and i.get_image_digest() == image_id["imageDigest"])
                     or ("imageTag" in image_id and image_id["imageTag"] in i.image_tags)]
            if accepted_media_types:
                found = [i for i in found if i.image_manifest_media_type in accepted_media_types]
            if found:
                images.extend(i for i in found if i not in images)
                continue
            asked = {k: image_id[k] for k in ("imageDigest", "imageTag") if k in image_id}
            failures.append({"imageId": asked, "failureCode": "ImageNotFound", "failureReason": "Requested image not found"})
        return {"images": images, "failures": failures}

    def response(self):
        return ActionResult(self.ecr_backend.batch_get_image(
            self._get_param("repositoryName"), self._get_param("registryId"), self._get_param("imageIds"),
            self._get_param("acceptedMediaTypes")))

    ECRBackend.batch_get_image = batch_get_image
    ECRResponse.batch_get_image = response


def mend_ecr_layers():
    """ECR layer upload and download, which moto 5.2.1 lacks (NotImplementedError): InitiateLayerUpload,
    UploadLayerPart (parts in order, from byte 0), CompleteLayerUpload (the digest must be the sha256 of
    the bytes uploaded) keep a blob (a layer or an image configuration) per repository, as docker push
    makes them; GetDownloadUrlForLayer answers a URL on the emulator itself
    (/moto-api/ecsfix/ecr-layer?...), which serves the blob unsigned as AWS's pre-signed S3 URL does.
    Errors as AWS answers them: UploadNotFoundException, InvalidLayerPartException, EmptyUploadException,
    InvalidLayerException, LayerAlreadyExistsException; for a download, LayersNotFoundException (no such
    blob) and LayerInaccessibleException (a blob no image of the repository references)."""
    import base64
    import hashlib
    import json
    import uuid
    from urllib.parse import parse_qs, quote, urlparse

    from moto.core.exceptions import ServiceException
    from moto.core.responses import ActionResult
    from moto.ecr.models import ECRBackend, ecr_backends
    from moto.ecr.responses import ECRResponse
    from moto.moto_api._internal import urls as moto_api_urls

    def error(code, message):
        return type(code, (ServiceException,), {"code": code})(message)

    def layers(self):
        if not hasattr(self, "ecsfix_layers"):
            self.ecsfix_layers, self.ecsfix_uploads = {}, {}
        return self.ecsfix_layers, self.ecsfix_uploads

    def upload_of(self, repository_name, registry_id, upload_id):
        self._get_repository(repository_name, registry_id)
        _, uploads = layers(self)
        up = uploads.get(upload_id)
        if up is None or up["repository"] != repository_name:
            raise error("UploadNotFoundException", f"Upload with id '{upload_id}' is not found in repository '{repository_name}'")
        return up

    def initiate_layer_upload(self, repository_name, registry_id=None):
        self._get_repository(repository_name, registry_id)
        _, uploads = layers(self)
        upload_id = str(uuid.uuid4())
        uploads[upload_id] = {"repository": repository_name, "data": b""}
        return {"uploadId": upload_id, "partSize": 10485760}

    def upload_layer_part(self, repository_name, registry_id, upload_id, first, last, blob):
        up = upload_of(self, repository_name, registry_id, upload_id)
        if first != len(up["data"]) or last != first + len(blob) - 1:
            raise error("InvalidLayerPartException", f"The part's byte range {first}-{last} does not follow the {len(up['data'])} bytes uploaded")
        up["data"] += blob
        return {"registryId": registry_id or self.account_id, "repositoryName": repository_name,
                "uploadId": upload_id, "lastByteReceived": last}

    def complete_layer_upload(self, repository_name, registry_id, upload_id, layer_digests):
        up = upload_of(self, repository_name, registry_id, upload_id)
        store, uploads = layers(self)
        if not up["data"]:
            raise error("EmptyUploadException", f"The upload with id '{upload_id}' contains no layer parts")
        digest = "sha256:" + hashlib.sha256(up["data"]).hexdigest()
        if not layer_digests or digest not in layer_digests:
            raise error("InvalidLayerException", f"The calculated digest {digest} does not match the digests given")
        if (repository_name, digest) in store:
            del uploads[upload_id]
            raise error("LayerAlreadyExistsException", f"The layer {digest} already exists in repository '{repository_name}'")
        store[(repository_name, digest)] = up["data"]
        del uploads[upload_id]
        return {"registryId": registry_id or self.account_id, "repositoryName": repository_name,
                "uploadId": upload_id, "layerDigest": digest}

    def referenced(repository, digest):
        for image in repository.images:
            try:
                m = json.loads(image.image_manifest)
            except ValueError:
                continue
            blobs = [m.get("config", {}).get("digest")] + [layer.get("digest") for layer in m.get("layers", [])]
            if digest in blobs:
                return True
        return False

    def get_download_url_for_layer(self, repository_name, registry_id, digest, base_url):
        repository = self._get_repository(repository_name, registry_id)
        store, _ = layers(self)
        if (repository_name, digest) not in store:
            raise error("LayersNotFoundException", f"The layer with digest {digest} does not exist within the repository '{repository_name}'")
        if not referenced(repository, digest):
            raise error("LayerInaccessibleException", f"The layer with digest {digest} is not referenced by an image of the repository '{repository_name}'")
        query = f"account={self.account_id}&region={self.region_name}&repository={quote(repository_name, safe='')}&digest={quote(digest, safe='')}"
        return {"downloadUrl": f"{base_url}/moto-api/ecsfix/ecr-layer?{query}", "layerDigest": digest}

    def base_url(self):
        u = urlparse(self.uri)
        return f"{u.scheme}://{u.netloc}"

    ECRBackend.initiate_layer_upload = initiate_layer_upload
    ECRBackend.upload_layer_part = upload_layer_part
    ECRBackend.complete_layer_upload = complete_layer_upload
    ECRBackend.get_download_url_for_layer = get_download_url_for_layer
    ECRResponse.initiate_layer_upload = lambda self: ActionResult(self.ecr_backend.initiate_layer_upload(
        self._get_param("repositoryName"), self._get_param("registryId")))
    ECRResponse.upload_layer_part = lambda self: ActionResult(self.ecr_backend.upload_layer_part(
        self._get_param("repositoryName"), self._get_param("registryId"), self._get_param("uploadId"),
        self._get_param("partFirstByte"), self._get_param("partLastByte"),
        base64.b64decode(self._get_param("layerPartBlob") or "")))
    ECRResponse.complete_layer_upload = lambda self: ActionResult(self.ecr_backend.complete_layer_upload(
        self._get_param("repositoryName"), self._get_param("registryId"), self._get_param("uploadId"),
        self._get_param("layerDigests")))
    ECRResponse.get_download_url_for_layer = lambda self: ActionResult(self.ecr_backend.get_download_url_for_layer(
        self._get_param("repositoryName"), self._get_param("registryId"), self._get_param("layerDigest"), base_url(self)))

    def serve_layer(request, full_url, headers):
        q = {k: v[0] for k, v in parse_qs(urlparse(full_url).query).items()}
        try:
            backend = ecr_backends[q["account"]][q["region"]]
            data = layers(backend)[0][(q["repository"], q["digest"])]
        except KeyError:
            return 404, {"Content-Type": "application/xml"}, "<Error><Code>NoSuchKey</Code></Error>"
        return 200, {"Content-Type": "application/octet-stream"}, data

    moto_api_urls.url_paths["{0}/moto-api/ecsfix/ecr-layer"] = serve_layer
def mend_ecs_capacity_provider_termination_protection():
    """ECS CreateCapacityProvider and UpdateCapacityProvider refuse managed termination protection ENABLED
    unless the Auto Scaling group protects new instances from scale-in (NewInstancesProtectedFromScaleIn)
    and the provider's managed scaling is ENABLED, as AWS does: ClientException, with AWS's message for the
    group ("The managed termination protection setting for the capacity provider is invalid. To enable
    managed termination protection for a capacity provider, the Auto Scaling group must have instance
    protection from scale in enabled."). moto 5.2.1 accepts it whatever the group. A group this emulator
    does not hold is not judged (moto's own capacity providers name groups it never created)."""
    from moto.autoscaling.models import autoscaling_backends
    from moto.ecs.exceptions import EcsClientException
    from moto.ecs.models import EC2ContainerServiceBackend

    original_create = EC2ContainerServiceBackend.create_capacity_provider
    original_update = EC2ContainerServiceBackend.update_capacity_provider

    def check(backend, asg_ref, protection, scaling_status):
        if protection != "ENABLED":
            return
        name = asg_ref.split("autoScalingGroupName/")[-1] if asg_ref else ""
        group = autoscaling_backends[backend.account_id][backend.region_name].autoscaling_groups.get(name)
        if group is None:
            return
        if not group.new_instances_protected_from_scale_in:
            raise EcsClientException(
                "The managed termination protection setting for the capacity provider is invalid. To enable managed "
                "termination protection for a capacity provider, the Auto Scaling group must have instance protection "
                "from scale in enabled."
            )
        if scaling_status != "ENABLED":
            raise EcsClientException(
                "The managed termination protection setting for the capacity provider is invalid. To enable managed "
                "termination protection for a capacity provider, managed scaling must be enabled."
            )

    def create_capacity_provider(self, name, asg_details, tags):
        details = asg_details or {}
        check(self, details.get("autoScalingGroupArn"), details.get("managedTerminationProtection"),
              (details.get("managedScaling") or {}).get("status"))
        return original_create(self, name, asg_details, tags)

    def update_capacity_provider(self, name_or_arn, asg_provider):
        provider = self._get_provider(name_or_arn)
        if provider is not None and asg_provider:
            current = provider.auto_scaling_group_provider
            protection = asg_provider.get("managedTerminationProtection", current.get("managedTerminationProtection"))
            scaling = (asg_provider.get("managedScaling") or {}).get("status", (current.get("managedScaling") or {}).get("status"))
            check(self, current.get("autoScalingGroupArn"), protection, scaling)
        return original_update(self, name_or_arn, asg_provider)

    EC2ContainerServiceBackend.create_capacity_provider = create_capacity_provider
    EC2ContainerServiceBackend.update_capacity_provider = update_capacity_provider
def mend_inspector2_list_findings():
    """Amazon Inspector ListFindings (POST /findings/list) answers the stored findings its filterCriteria
    select, paged by maxResults (1 to 100, default 50) and nextToken, as AWS does. moto 5.2.1 stores no
    findings: it answers canned results from a queue whatever the criteria. Findings are stored (in AWS's
    JSON shape) by POST /moto-api/static/inspector2/findings with {"findings": [...], "account_id": ...,
    "region": ...}, the way moto's other static results are seeded. The criteria ecsfix uses are applied:
    awsAccountId, ecrImageRegistry, ecrImageRepositoryName, ecrImageHash, ecrImageTags, severity,
    findingStatus and resourceType, each a list of StringFilters (at most 10) whose EQUALS and PREFIX values any may match
    and whose NOT_EQUALS and NOT_PREFIX values all must hold; other criteria are refused with a
    ValidationException rather than ignored. sortCriteria is ignored (stored order). With nothing stored,
    moto's own queue answers, as before."""
    import json

    from moto.core.exceptions import JsonRESTError
    from moto.inspector2.models import Inspector2Backend, inspector2_backends
    from moto.moto_api._internal import urls as api_urls
    from moto.moto_api._internal.responses import MotoAPIResponse

    original = Inspector2Backend.list_findings

    class ValidationException(JsonRESTError):
        def __init__(self, message):
            super().__init__("ValidationException", message)

    def image(f):
        for r in f.get("resources", []):
            details = (r.get("details") or {}).get("awsEcrContainerImage")
            if details:
                yield details

    fields = {
        "awsAccountId": lambda f: [f.get("awsAccountId")],
        "ecrImageRegistry": lambda f: [d.get("registry") for d in image(f)],
        "ecrImageRepositoryName": lambda f: [d.get("repositoryName") for d in image(f)],
        "ecrImageHash": lambda f: [d.get("imageHash") for d in image(f)],
        "ecrImageTags": lambda f: [t for d in image(f) for t in d.get("imageTags", [])],
        "severity": lambda f: [f.get("severity")],
        "findingStatus": lambda f: [f.get("status")],
        "resourceType": lambda f: [r.get("type") for r in f.get("resources", [])],
    }

    def matches(criteria, f):
        for key, filters in (criteria or {}).items():
            if key not in fields:
                raise ValidationException(f"filterCriteria.{key} is not supported by this emulator")
            if not isinstance(filters, list) or not 1 <= len(filters) <= 10:
                raise ValidationException(f"filterCriteria.{key} must hold 1 to 10 filters")
            values = [v for v in fields[key](f) if v is not None]
            positive = [x for x in filters if x.get("comparison") in ("EQUALS", "PREFIX")]
            negative = [x for x in filters if x.get("comparison") in ("NOT_EQUALS", "NOT_PREFIX")]
            if len(positive) + len(negative) != len(filters):
                raise ValidationException(f"filterCriteria.{key}: unknown comparison")

            def hit(x, v):
                if x["comparison"] in ("EQUALS", "NOT_EQUALS"):
                    return v == x.get("value")
                return v.startswith(x.get("value", ""))

            if positive and not any(hit(x, v) for x in positive for v in values):
                return False
            if any(hit(x, v) for x in negative for v in values):
                return False
        return True

    def list_findings(self, filter_criteria, max_results, next_token, sort_criteria):
        stored = getattr(self, "ecsfix_findings", None)
        if stored is None:
            return original(self, filter_criteria, max_results, next_token, sort_criteria)
        limit = 50 if max_results is None else int(max_results)
        if not 1 <= limit <= 100:
            raise ValidationException("maxResults must be between 1 and 100")
        selected = [f for f in stored if matches(filter_criteria, f)]
        start = 0
        if next_token:
            if not str(next_token).isdigit() or int(next_token) > len(selected):
                raise ValidationException("nextToken is invalid")
            start = int(next_token)
        page = selected[start:start + limit]
        token = str(start + limit) if start + limit < len(selected) else None
        return page, token

    Inspector2Backend.list_findings = list_findings

    from moto.inspector2.responses import Inspector2Response

    Inspector2Response.list_findings  # fails the start when moto renames it

    def list_findings_response(self):
        result = self.inspector2_backend.list_findings(
            filter_criteria=self._get_param("filterCriteria"),
            max_results=self._get_param("maxResults"),
            next_token=self._get_param("nextToken"),
            sort_criteria=self._get_param("sortCriteria"),
        )
        if isinstance(result, tuple):
            findings, token = result
        else:
            findings, token = result, None
        out = {"findings": findings}
        if token:
            out["nextToken"] = token
        return json.dumps(out)

    Inspector2Response.list_findings = list_findings_response

    def set_inspector2_findings(self, request, full_url, headers):
        body = self._get_body(headers, request)
        backend = inspector2_backends[body.get("account_id", "123456789012")][body.get("region", "us-east-1")]
        if getattr(backend, "ecsfix_findings", None) is None:
            backend.ecsfix_findings = []
        backend.ecsfix_findings.extend(body.get("findings", []))
        return 201, {}, ""

    MotoAPIResponse.set_inspector2_findings = set_inspector2_findings
    api_urls.url_paths["{0}/moto-api/static/inspector2/findings"] = api_urls.response_instance.set_inspector2_findings


def mend_ecr_describe_images_scan_status():
    """ECR DescribeImages answers an image's imageScanStatus once it has been scanned (status COMPLETE
    after StartImageScan), as AWS does for basic scanning; moto 5.2.1 never answers it, so a client cannot
    tell a scanned image from one never scanned."""
    from moto.ecr.models import ECRBackend

    original = ECRBackend.describe_images

    def describe_images(self, repository_name, registry_id=None, image_ids=None):
        images = original(self, repository_name, registry_id, image_ids)
        for image in images:
            if image.last_scan:
                image.image_scan_status = {"status": "COMPLETE", "description": "The scan was completed successfully."}
        return images

    ECRBackend.describe_images = describe_images


# --- Throttle and latency model (ECSFIX_MOTO_MODEL) -----------------------------------------------------
#
# Not a mend: an option of the launcher for benchmarks and tests of pacing. When the environment variable
# ECSFIX_MOTO_MODEL holds a model (JSON, built by mototest.Modelled from awsclient.DefaultQuotas), the
# server puts in front of moto's WSGI application:
#
#   - token buckets per account, region and action group (per account for a global group): a request whose
#     bucket is empty is answered with the service's own throttling error, as AWS answers it, and never
#     reaches moto;
#   - a fixed latency before every request is answered (the threaded server overlaps them);
#   - operations answered 500 always (a persistent server error);
#   - counts of the requests and throttled answers per account: GET /ecsfix-model/stats?account=ID, and
#     POST /ecsfix-model/reset?account=ID, which zeroes them and refills the account's buckets.
#
# The model JSON: {"latency_ms": 25, "fail": ["ecs:ListClusters"], "quotas": [{"Service": "ecs",
# "Group": "cluster-read", "Actions": ["DescribeClusters", "ListClusters"], "Burst": 50, "Rate": 20,
# "Global": false, "PerAction": false}]} (a PerAction group gives each of its operations a bucket of its own,
# as EC2 does). Services and operations are named as ecsfix's call counter names them
# ("ecs:DescribeServices", "elbv2:DescribeTargetGroups", "cloudwatchlogs:CreateLogGroup"): a quota without
# Actions holds every other operation of its service. A request carrying the header x-ecsfix-model-bypass
# (mototest.Bypass: seeding an estate) is neither delayed, throttled, failed nor counted.

MODEL_ENV = "ECSFIX_MOTO_MODEL"
MODEL_PATH = "/ecsfix-model/"
MODEL_BYPASS = "HTTP_X_ECSFIX_MODEL_BYPASS"

# The signing names (an Authorization header's credential scope) that ecsfix's counter names otherwise.
SIGNING_TO_SERVICE = {"elasticloadbalancing": "elbv2", "logs": "cloudwatchlogs"}


class TokenBucket:
    """AWS's token bucket: Burst tokens, refilled at Rate a second; a request takes one or is throttled."""

    def __init__(self, burst, rate, now):
        self.burst, self.rate, self.tokens, self.at = float(burst), float(rate), float(burst), now

    def take(self, now):
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class Traffic:
    """What the model saw in one account."""

    def __init__(self):
        self.requests, self.throttled, self.failed = 0, 0, 0
        self.per_operation, self.throttled_per_operation = {}, {}
        # in_flight counts the requests being answered (latency included); max_in_flight its highest.
        self.in_flight, self.max_in_flight = 0, 0

    def json(self):
        return {
            "requests": self.requests,
            "throttled": self.throttled,
            "failed": self.failed,
            "max_in_flight": self.max_in_flight,
            "per_operation": self.per_operation,
            "throttled_per_operation": self.throttled_per_operation,
        }


class Model:
    """The throttle and latency model of ECSFIX_MOTO_MODEL (see above)."""

    def __init__(self, spec):
        import threading

        self.latency = float(spec.get("latency_ms") or 0) / 1000.0
        self.fail = set(spec.get("fail") or [])
        self.quotas = []
        self.by_op, self.rest = {}, {}
        for i, q in enumerate(spec.get("quotas") or []):
            service, group = q.get("Service"), q.get("Group")
            burst, rate = float(q.get("Burst") or 0), float(q.get("Rate") or 0)
            if not service or not group or burst < 1 or rate <= 0:
                raise ValueError(f"{MODEL_ENV}: quota {i + 1} ({service}/{group}): service, group, burst >= 1, rate > 0 required")
            self.quotas.append((service, group, burst, rate, bool(q.get("Global")), bool(q.get("PerAction"))))
            actions = q.get("Actions") or []
            if not actions:
                self.rest[service] = i
            for a in actions:
                self.by_op[f"{service}:{a}"] = i
        self.lock = threading.Lock()
        self.buckets = {}  # (account, region or "", quota index) -> TokenBucket
        self.traffic = {}  # account -> Traffic

    def quota_of(self, service, op):
        i = self.by_op.get(f"{service}:{op}")
        return i if i is not None else self.rest.get(service)

    def admit(self, account, region, service, op):
        """Counts the request and answers "throttle", "fail" or None (serve it)."""
        import time

        key = f"{service}:{op}"
        i = self.quota_of(service, op)
        with self.lock:
            t = self.traffic.setdefault(account, Traffic())
            t.requests += 1
            t.per_operation[key] = t.per_operation.get(key, 0) + 1
            if i is not None:
                _, _, burst, rate, is_global, per_action = self.quotas[i]
                now = time.monotonic()
                where = (account, "" if is_global else region, i, op if per_action else "")
                bucket = self.buckets.get(where)
                if bucket is None:
                    bucket = self.buckets[where] = TokenBucket(burst, rate, now)
                if not bucket.take(now):
                    t.throttled += 1
                    t.throttled_per_operation[key] = t.throttled_per_operation.get(key, 0) + 1
                    return "throttle"
            if key in self.fail:
                t.failed += 1
                return "fail"
        return None

    def enter(self, account):
        with self.lock:
            t = self.traffic.setdefault(account, Traffic())
            t.in_flight += 1
            t.max_in_flight = max(t.max_in_flight, t.in_flight)
            return t

    def leave(self, t):
        with self.lock:
            t.in_flight -= 1

    def stats(self, account):
        with self.lock:
            if account:
                return self.traffic.get(account, Traffic()).json()
            total = Traffic()
            for t in self.traffic.values():
                total.requests += t.requests
                total.throttled += t.throttled
                total.failed += t.failed
                total.max_in_flight = max(total.max_in_flight, t.max_in_flight)
                for src, dst in ((t.per_operation, total.per_operation), (t.throttled_per_operation, total.throttled_per_operation)):
                    for k, v in src.items():
                        dst[k] = dst.get(k, 0) + v
            return total.json()

    def reset(self, account):
        with self.lock:
            if not account:
                self.traffic.clear()
                self.buckets.clear()
                return
            self.traffic.pop(account, None)
            for k in [k for k in self.buckets if k[0] == account]:
                del self.buckets[k]


def _model_request(environ):
    """The account, region, service (as ecsfix's counter names it), operation and protocol ("json",
    "rest-json", "ec2", "query") of a request, read as moto reads them: the account from x-moto-account-id
    or the access key's account, region and service from the Authorization header's credential scope, the
    operation from X-Amz-Target, the Action parameter, or the method and path (REST protocols)."""
    import io
    import re
    from urllib.parse import parse_qs

    auth = environ.get("HTTP_AUTHORIZATION", "")
    m = re.search(r"Credential=([^/,\s]+)/[^/]+/([^/]+)/([^/]+)/", auth)
    access_key, region, signing = (m.group(1), m.group(2), m.group(3)) if m else ("", "", "")
    account = environ.get("HTTP_X_MOTO_ACCOUNT_ID", "")
    if not account:
        from moto.iam.models import get_account_id_from

        account = get_account_id_from(access_key or "AKIAEXAMPLE")
    service = SIGNING_TO_SERVICE.get(signing, signing)

    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return account, region, service, target.split(".")[-1], "json"
    action = (parse_qs(environ.get("QUERY_STRING", "")).get("Action") or [""])[0]
    if not action and environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        try:
            size = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            size = 0
        if size:
            body = environ["wsgi.input"].read(size)
            environ["wsgi.input"] = io.BytesIO(body)  # moto reads it again
            action = (parse_qs(body.decode("utf-8", "replace")).get("Action") or [""])[0]
    if action:
        return account, region, service, action, "ec2" if service == "ec2" else "query"
    op = ""
    if signing:
        try:
            from moto.core.responses import _get_method_urls

            urls = _get_method_urls(signing, region or "us-east-1").get(environ.get("REQUEST_METHOD", ""), {})
            path = environ.get("PATH_INFO", "")
            for regexp, name in sorted(urls.items(), key=lambda x: len(x[0]), reverse=True):
                if re.match(regexp, path):
                    op = name
                    break
        except Exception:  # a service botocore does not know: the request has no operation
            op = ""
    return account, region, service, op, "rest-json"


def _model_error(protocol, throttle):
    """The status, headers and body AWS answers a throttled request (throttle) or an internal error with, in
    the protocol's own form."""
    import uuid

    request_id = str(uuid.uuid4())
    if protocol == "json":
        code, status = ("ThrottlingException", 400) if throttle else ("InternalFailure", 500)
        message = "Rate exceeded" if throttle else "We encountered an internal error. Please try again."
        body = '{"__type":"%s","message":"%s"}' % (code, message)
        return status, [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-RequestId", request_id)], body
    if protocol == "rest-json":
        code, status = ("ThrottlingException", 429) if throttle else ("InternalServerException", 500)
        message = "Rate exceeded" if throttle else "We encountered an internal error. Please try again."
        body = '{"message":"%s"}' % message
        return status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", code), ("x-amzn-RequestId", request_id)], body
    if protocol == "ec2":
        code, status = ("RequestLimitExceeded", 503) if throttle else ("InternalError", 500)
        message = "Request limit exceeded." if throttle else "An internal error has occurred"
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>%s</Code><Message>%s</Message>'
            "</Error></Errors><RequestID>%s</RequestID></Response>" % (code, message, request_id)
        )
        return status, [("Content-Type", "text/xml;charset=UTF-8")], body
    kind, code, status = ("Sender", "Throttling", 400) if throttle else ("Receiver", "InternalFailure", 500)
    message = "Rate exceeded" if throttle else "We encountered an internal error. Please try again."
    body = (
        "<ErrorResponse><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error>"
        "<RequestId>%s</RequestId></ErrorResponse>" % (kind, code, message, request_id)
    )
    return status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], body


def _drain(environ):
    """Reads what is left of the request's body."""
    try:
        size = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        size = 0
    if size:
        environ["wsgi.input"].read(size)


def _status_line(status):
    from http import HTTPStatus

    return f"{status} {HTTPStatus(status).phrase}"


def model_application(app_class, model):
    """A subclass of moto's WSGI application (DomainDispatcherApplication) that serves every request
    through model."""
    import json
    import time
    from urllib.parse import parse_qs

    class ModelledApplication(app_class):
        def __call__(self, environ, start_response):
            path = environ.get("PATH_INFO", "")
            if path.startswith(MODEL_PATH):
                account = (parse_qs(environ.get("QUERY_STRING", "")).get("account") or [""])[0]
                method = environ.get("REQUEST_METHOD", "")
                if path == MODEL_PATH + "stats" and method == "GET":
                    body = json.dumps(model.stats(account))
                elif path == MODEL_PATH + "reset" and method == "POST":
                    model.reset(account)
                    body = "{}"
                else:
                    start_response(_status_line(404), [("Content-Type", "application/json")])
                    return [b'{"message":"unknown model endpoint"}']
                start_response(_status_line(200), [("Content-Type", "application/json")])
                return [body.encode("utf-8")]
            if environ.get(MODEL_BYPASS) or path.startswith("/moto-api"):
                return super().__call__(environ, start_response)
            account, region, service, op, protocol = _model_request(environ)
            traffic = model.enter(account)
            try:
                if model.latency > 0:
                    time.sleep(model.latency)
                verdict = model.admit(account, region, service, op)
                if verdict:
                    _drain(environ)  # the connection is kept alive: the next request must not read this body
                    status, headers, body = _model_error(protocol, verdict == "throttle")
                    data = body.encode("utf-8")
                    start_response(_status_line(status), headers + [("Content-Length", str(len(data)))])
                    return [data]
                return super().__call__(environ, start_response)
            finally:
                model.leave(traffic)

    return ModelledApplication


def install_model():
    """Serves moto through the model of ECSFIX_MOTO_MODEL, when set: moto.server.main builds its
    application from moto.server.DomainDispatcherApplication and serves it with werkzeug's threaded
    run_simple, one thread a connection, so that the model's latency overlaps."""
    import json
    import os

    import moto.server

    raw = os.environ.get(MODEL_ENV)
    if not raw:
        return
    model = Model(json.loads(raw))
    moto.server.DomainDispatcherApplication = model_application(moto.server.DomainDispatcherApplication, model)


MENDS = [
    mend_ecs_describe_capacity_providers,
    mend_kms_get_public_key,
    mend_ecs_service_assign_public_ip,
    mend_ecs_update_service_deployment,
    mend_iam_resource_arns,
    mend_iam_conditions,
    mend_iam_access_denied_errors,
    mend_ecs_register_task_definition_pass_role,
    mend_securityhub_batch_update_findings,
    mend_securityhub_get_findings_v2,
    mend_securityhub_batch_update_findings_v2,
    mend_sts_assume_role_of_missing_role,
    mend_ecr_image_digest,
    mend_ecr_batch_get_image,
    mend_ecr_layers,
    mend_ecs_capacity_provider_termination_protection,
    mend_inspector2_list_findings,
    mend_ecr_describe_images_scan_status,
]


def main(argv=None):
    try:
        import moto.server
    except ImportError as err:
        print(f"ecsfix_moto: {sys.executable} cannot import moto ({err}); install moto[server] 5.x", file=sys.stderr)
        return EXIT_NO_MOTO
    for mend in MENDS:
        mend()
    install_model()
    moto.server.main(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
