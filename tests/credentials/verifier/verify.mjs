// An independent check of LearnApp's credentials with Digital Bazaar's libraries.
// stdin: {"credential": {...}, "documents": {"url": document, ...}}
// stdout: {"verified": bool, "revoked": bool|null, "errors": [...]}
// The document loader serves only the given documents: no network.
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import * as vc from '@digitalbazaar/vc';

const chunks = [];
for await (const chunk of process.stdin) {
  chunks.push(chunk);
}
const {credential, documents} = JSON.parse(Buffer.concat(chunks).toString('utf8'));

function documentLoader(url) {
  const [base, fragment] = url.split('#');
  if(url in documents) {
    return {contextUrl: null, documentUrl: url, document: documents[url]};
  }
  // A DID URL with a key fragment: the verification method from the DID document.
  if(fragment && base in documents && base.startsWith('did:')) {
    const method = documents[base].verificationMethod.find(m => m.id === url);
    if(method) {
      const document = {'@context': 'https://w3id.org/security/multikey/v1', ...method};
      return {contextUrl: null, documentUrl: url, document};
    }
  }
  throw new Error(`refusing to load ${url} (offline)`);
}

const suite = new DataIntegrityProof({cryptosuite});
const result = await vc.verifyCredential({credential, suite, documentLoader, checkStatus});
const errors = [];
for(const error of [result.error, ...(result.results || []).map(r => r.error)]) {
  if(error) {
    errors.push(String(error.message || error));
    for(const inner of error.errors || []) {
      errors.push(String(inner.message || inner));
    }
  }
}
const status = result.statusResult || {};
if(status.error) {
  errors.push(String(status.error.message || status.error));
}
// The revocation bit, read from the status list after its own proof was verified.
const revoked = status.verified ?
  status.results.some(r => r.credentialStatus.statusPurpose === 'revocation' && r.status) :
  null;
process.stdout.write(JSON.stringify({verified: result.verified, revoked, errors}));
