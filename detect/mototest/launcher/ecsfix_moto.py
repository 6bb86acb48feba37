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


MENDS = [
    mend_ecs_describe_capacity_providers,
    mend_kms_get_public_key,
]


def main(argv=None):
    try:
        import moto.server
    except ImportError as err:
        print(f"ecsfix_moto: {sys.executable} cannot import moto ({err}); install moto[server] 5.x", file=sys.stderr)
        return EXIT_NO_MOTO
    for mend in MENDS:
        mend()
    moto.server.main(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
