package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/spf13/cobra"
	"golang.org/x/crypto/ssh"
	"golang.org/x/term"

	"github.com/ecsfix/ecsfix/detect/awsclient"
	"github.com/ecsfix/ecsfix/internal/textsafe"
	"github.com/ecsfix/ecsfix/plan"
	"github.com/ecsfix/ecsfix/plan/kmssigner"
)

func newCmdApprove(g *globalOptions) *cobra.Command {
	var by, ticket, keyPath string
	cmd := &cobra.Command{
		Use:   "approve FILE",
		Short: "Record an approval of a plan, bound to its content hash, signed with an SSH key (--key)",
		Long: `approve records who approved the plan (and for which ticket) inside the plan file. The approval is
bound to the plan's content hash: changing any byte of the plan's content invalidates it.

With --key, the approval is signed with that SSH private key in OpenSSH's SSHSIG format (namespace
ecsfix-plan), over a statement holding the plan's content hash, --by, --ticket and the time, so none of
them can be changed afterwards. When approvals.allowed_signers is set, only signed approvals by a key
listed there for the --by name count, and approve refuses any other. An encrypted key's passphrase is
asked for on a terminal only.

With --key kms:KEY (a key id, key ARN, alias/NAME or alias ARN), AWS KMS signs with an asymmetric
SIGN_VERIFY key (ECC_NIST_P256/P384/P521 or RSA_2048/3072/4096) through the SDK's standard configuration:
IAM's kms:Sign on the key decides who may approve. The signature is the same SSHSIG, checked against the
key's public key in approvals.allowed_signers, without calling AWS.`,
		Example: `  ecsfix approve plan.json --by alice --ticket OPS-1234 --key ~/.ssh/id_ed25519
  ecsfix approve plan.json --by alice --ticket OPS-1234 --key kms:alias/ecsfix-approver-alice`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(by) == "" {
				return usageErrorf("--by NAME is required")
			}
			pol, err := g.cfg.ApprovalPolicy()
			if err != nil {
				return err
			}
			if pol.Signers != nil && keyPath == "" {
				return usageErrorf("approvals.allowed_signers is set, so an approval must be signed: give --key PATH (your SSH private key) or --key kms:KEY")
			}
			kmsKey := ""
			if kmssigner.IsRef(keyPath) {
				if kmsKey, err = kmssigner.ParseRef(keyPath); err != nil {
					return usageErrorf("--key: %v", err)
				}
			}
			p, err := plan.ReadFile(args[0])
			if err != nil {
				return err
			}
			now := time.Now().UTC()
			signed := ""
			if keyPath == "" {
				if err := p.Approve(by, ticket, now); err != nil {
					return fmt.Errorf("approve %s: %w", args[0], err)
				}
			} else {
				var signer ssh.Signer
				if kmsKey != "" {
					ks, err := g.kmsSigner(cmd.Context(), kmsKey)
					if err != nil {
						return err
					}
					signer, signed = ks, " of KMS key "+ks.KeyID()
				} else if signer, err = loadSigner(g.io, keyPath); err != nil {
					return err
				}
				a, err := p.ApproveSigned(by, ticket, now, signer)
				if err != nil {
					return fmt.Errorf("approve %s: %w", args[0], err)
				}
				if pol.Signers != nil {
					// Refuse here an approval apply would not count, rather than write it.
					checks := p.CheckApprovals(pol, now)
					if c := checks[len(checks)-1]; !c.Counts {
						hint := ""
						if line := allowedSignerLine(by, signer.PublicKey()); kmsKey != "" && line != "" && !listed(pol.Signers, signer.PublicKey()) {
							hint = "; to let this KMS key approve as " + by + ", add this line to approvals.allowed_signers: " + line
						}
						return fmt.Errorf("approve %s: %s%s", args[0], c.Describe(), hint)
					}
				}
				signed = ", signed with key " + a.Signer + signed
			}
			if err := writePlanFile(args[0], p); err != nil {
				return err
			}
			_, err = fmt.Fprintf(g.io.Out, "Approved %s (%s, %d actions) by %s%s%s.\n", textsafe.Line(args[0]), p.ContentHash(), len(p.Actions), textsafe.Line(by), textsafe.Line(ticketSuffix(ticket)), textsafe.Line(signed))
			return err
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "who approves (required; with approvals.allowed_signers, a principal of the key)")
	cmd.Flags().StringVar(&ticket, "ticket", "", "the ticket the approval belongs to (signed with it)")
	cmd.Flags().StringVar(&keyPath, "key", "", "sign the approval with this SSH private key (OpenSSH, PEM or PKCS#8), or with an AWS KMS key: kms:KEY")
	return cmd
}

// kmsSigner builds a KMS client from the SDK's standard configuration (in the region of key when key is
// an ARN), paced, and a signer for key.
func (g *globalOptions) kmsSigner(ctx context.Context, key string) (*kmssigner.Signer, error) {
	cfg, err := g.awsConfig(ctx)
	if err != nil {
		return nil, err
	}
	if r := kmssigner.Region(key); r != "" {
		cfg.Region = r
	}
	if cfg.Region == "" {
		return nil, fmt.Errorf("--key kms:%s: no AWS region: set AWS_REGION (or a profile's region), or give the key's ARN", key)
	}
	cfg = awsclient.ConfigureWith(cfg, awsclient.Options{Counter: awsclient.NewCounter(), Pacer: g.pacer()})
	return kmssigner.New(ctx, kms.NewFromConfig(cfg), key)
}

// allowedSignerLine is the allowed_signers line that lets key sign approvals as principal, limited to
// the approvals' namespace ("" for a name the line cannot hold as one principal).
func allowedSignerLine(principal string, key ssh.PublicKey) string {
	if strings.ContainsAny(principal, `,*?!"`) || strings.HasPrefix(principal, "#") {
		return ""
	}
	if strings.ContainsAny(principal, " \t") {
		principal = `"` + principal + `"`
	}
	return fmt.Sprintf("%s namespaces=%q %s", principal, plan.SignatureNamespace, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key))))
}

// listed says whether some line of signers names key.
func listed(signers *plan.AllowedSigners, key ssh.PublicKey) bool {
	for _, e := range signers.Signers {
		if bytes.Equal(e.Key.Marshal(), key.Marshal()) {
			return true
		}
	}
	return false
}

func ticketSuffix(ticket string) string {
	if ticket == "" {
		return ""
	}
	return " for " + ticket
}

// loadSigner reads the SSH private key at path. An encrypted key's passphrase is asked for when standard
// input is a terminal, else refused. No error says anything of the key's content.
func loadSigner(s *streams, path string) (ssh.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--key: %w", err)
	}
	signer, err := ssh.ParsePrivateKey(data)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		f, ok := s.In.(*os.File)
		if !ok || !term.IsTerminal(int(f.Fd())) {
			return nil, fmt.Errorf("--key %s: the key is encrypted; ecsfix asks for its passphrase on a terminal only", path)
		}
		fmt.Fprintf(s.ErrOut, "Passphrase for %s: ", path)
		pass, rerr := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(s.ErrOut)
		if rerr != nil {
			return nil, fmt.Errorf("--key %s: read the passphrase: %w", path, rerr)
		}
		signer, err = ssh.ParsePrivateKeyWithPassphrase(data, pass)
		clear(pass)
		if err != nil {
			return nil, fmt.Errorf("--key %s: the passphrase does not decrypt the key", path)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("--key %s: not an SSH private key ecsfix can read (%s)", path, keyErrorText(err))
	}
	return signer, nil
}

// keyErrorText is the parse error's own words, cut to one short line: never the key's bytes.
func keyErrorText(err error) string {
	msg := err.Error()
	if i := strings.IndexAny(msg, "\r\n"); i >= 0 {
		msg = msg[:i]
	}
	if len(msg) > 80 {
		msg = msg[:80]
	}
	return msg
}
