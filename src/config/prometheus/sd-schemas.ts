/**
 * Field lists and load-time checks of the service-discovery mechanisms Lookout validates but does
 * not run (one row per upstream `<name>_sd_configs` key). Field names, defaults and error texts
 * follow upstream's `discovery/<name>` packages; the discovery itself is not implemented.
 */
import type { YNode } from '../yaml.js';
import type { SDValues } from './sd.js';
import { parseGoURL } from './values.js';

/** How a field's value is checked: a scalar kind, a TLS block, or a custom check of the node. */
export type FieldType = 'string' | 'int' | 'bool' | 'duration' | 'strings' | 'stringMap' | 'tls' | ((n: YNode) => string | void);

/** One mechanism: its fields, whether the HTTP client config is inlined, defaults, and extra checks. */
export interface SDSchema {
  /** Type name used in "field X not found in type T" errors. */
  typeName: string;
  /** Whether the HTTP client configuration fields are inlined. */
  http: boolean;
  fields: Record<string, FieldType>;
  /** Default values (as strings) that checks read through {@link SDValues.str}. */
  defaults?: Record<string, string>;
  /** Returns upstream's error message, or null when valid. */
  check?: (v: SDValues) => string | null;
}

const filters = (typeName: string) => (n: YNode) => {
  for (const f of n.seq()) {
    const m = f.map(['name', 'values'], typeName);
    m.name?.str();
    m.values?.strings();
  }
};

const AWS_COMMON: Record<string, FieldType> = {
  region: 'string',
  endpoint: 'string',
  access_key: 'string',
  secret_key: 'string',
  profile: 'string',
  role_arn: 'string',
  external_id: 'string',
  refresh_interval: 'duration',
  port: 'int',
};

const AWS_CLUSTER: Record<string, FieldType> = { ...AWS_COMMON, clusters: 'strings', request_concurrency: 'int' };

function oneOf(v: string, allowed: readonly string[], message: string): string | null {
  return allowed.includes(v) ? null : message;
}

function secretPair(v: SDValues): string | null {
  if (!v.str('secret_key') && !v.str('secret_key_file')) return 'one of secret_key & secret_key_file must be configured';
  if (v.str('secret_key') && v.str('secret_key_file')) return 'at most one of secret_key & secret_key_file must be configured';
  return null;
}

const K8S_ROLES = ['pod', 'service', 'endpoints', 'endpointslice', 'node', 'ingress'];
const K8S_SELECTOR_ROLES: Record<string, string[]> = {
  pod: ['pod', 'node'],
  service: ['service'],
  endpointslice: ['pod', 'service', 'endpointslice'],
  endpoints: ['pod', 'service', 'endpoints'],
  node: ['node'],
  ingress: ['ingress'],
};

/** Kubernetes field selector syntax: comma-separated `key=value`, `key==value` or `key!=value` terms. */
function fieldSelectorError(sel: string): string | null {
  if (sel.trim() === '') return null;
  for (const term of sel.split(',')) {
    if (!/^[^=!]+(==|!=|=)[^=]*$/.test(term.trim())) {
      return `invalid selector: '${sel}'; can't understand '${term}'`;
    }
  }
  return null;
}

function checkKubernetes(v: SDValues): string | null {
  const role = v.str('role');
  if (role === '') return 'role missing (one of: pod, service, endpoints, endpointslice, node, ingress)';
  const apiServer = v.has('api_server');
  const kubeconfig = v.str('kubeconfig_file');
  if (apiServer && kubeconfig) return "cannot use 'kubeconfig_file' and 'api_server' simultaneously";
  if (kubeconfig && !v.http.isDefault) return "cannot use a custom HTTP client configuration together with 'kubeconfig_file'";
  if (!apiServer && !v.http.isDefault) return "to use custom HTTP client configuration please provide the 'api_server' URL explicitly";
  const ns = v.node.map(null).namespaces;
  const own = ns && !ns.isNull ? ns.map(null).own_namespace : undefined;
  const ownNamespace = own !== undefined && !own.isNull && own.bool();
  if (apiServer && ownNamespace) return "cannot use 'api_server' and 'namespaces.own_namespace' simultaneously";
  if (kubeconfig && ownNamespace) return "cannot use 'kubeconfig_file' and 'namespaces.own_namespace' simultaneously";
  const seen = new Set<string>();
  for (const sel of v.list('selectors')) {
    const m = sel.map(['role', 'label', 'field'], 'kubernetes.plain');
    const selRole = m.role?.str() ?? '';
    if (seen.has(selRole)) return `duplicated selector role: ${selRole}`;
    seen.add(selRole);
    const allowed = K8S_SELECTOR_ROLES[role]!;
    if (!allowed.includes(selRole)) return `${role} role supports only ${allowed.join(', ')} selectors`;
    const fieldErr = fieldSelectorError(m.field?.str() ?? '');
    if (fieldErr) return fieldErr;
  }
  return null;
}

function k8sRole(n: YNode): string {
  const r = n.str();
  if (!K8S_ROLES.includes(r)) throw n.error(`unknown Kubernetes SD role ${JSON.stringify(r)}`);
  return r;
}

function k8sNamespaces(n: YNode): void {
  const m = n.map(['own_namespace', 'names'], 'kubernetes.plain');
  if (m.own_namespace && !m.own_namespace.isNull) m.own_namespace.bool();
  m.names?.strings();
}

function k8sAttachMetadata(n: YNode): void {
  for (const v of Object.values(n.map(['node', 'namespace', 'deployment', 'job', 'cronjob'], 'kubernetes.plain'))) {
    if (!v.isNull) v.bool();
  }
}

function enumRole(allowed: readonly string[], message: (r: string) => string): (n: YNode) => string {
  return (n) => {
    const r = n.str();
    if (!allowed.includes(r)) throw n.error(message(r));
    return r;
  };
}

function marathonCheck(v: SDValues): string | null {
  if (v.list('servers').length === 0) return 'marathon_sd: must contain at least one Marathon server';
  const token = v.str('auth_token');
  const tokenFile = v.str('auth_token_file');
  if (token && tokenFile) return 'marathon_sd: at most one of auth_token & auth_token_file must be configured';
  if (token || tokenFile) {
    if (v.http.basicAuth) return 'marathon_sd: at most one of basic_auth, auth_token & auth_token_file must be configured';
    if (v.has('bearer_token') || v.has('bearer_token_file')) {
      return 'marathon_sd: at most one of bearer_token, bearer_token_file, auth_token & auth_token_file must be configured';
    }
    if (v.http.authorization) return 'marathon_sd: at most one of auth_token, auth_token_file & authorization must be configured';
  }
  return null;
}

function azureCheck(v: SDValues): string | null {
  const required = (k: string) => (v.str(k) === '' ? `azure SD configuration requires a ${k}` : null);
  const sub = required('subscription_id');
  if (sub) return sub;
  const method = v.str('authentication_method');
  if (method === 'OAuth') {
    for (const k of ['tenant_id', 'client_id', 'client_secret']) {
      const e = required(k);
      if (e) return e;
    }
  }
  return oneOf(
    method,
    ['OAuth', 'ManagedIdentity', 'SDK', 'WorkloadIdentity'],
    `unknown authentication_type ${JSON.stringify(method)}. Supported types are "OAuth", "ManagedIdentity", "SDK" or "WorkloadIdentity"`,
  );
}

function ociCheck(v: SDValues): string | null {
  if (!v.str('region')) return 'oci_sd: region is required';
  const auth = v.str('auth');
  if (auth === 'api_key') {
    for (const k of ['tenancy', 'user', 'fingerprint', 'key_file']) if (!v.str(k)) return `oci_sd: api_key auth requires ${k}`;
    if (v.str('key_passphrase') && v.str('key_passphrase_file')) {
      return 'oci_sd: at most one of key_passphrase and key_passphrase_file must be configured';
    }
  } else if (auth === 'instance_principal') {
    if (['tenancy', 'user', 'fingerprint', 'key_file', 'key_passphrase', 'key_passphrase_file'].some((k) => v.str(k))) {
      return 'oci_sd: instance_principal auth must not have tenancy, user, fingerprint, key_file, key_passphrase, or key_passphrase_file set';
    }
  } else {
    return `oci_sd: unknown auth method ${JSON.stringify(auth)}, expected "api_key" or "instance_principal"`;
  }
  if (Number(v.str('refresh_interval')) <= 0) return 'oci_sd: refresh_interval must be positive';
  return null;
}

function zookeeperCheck(kind: string) {
  return (v: SDValues): string | null => {
    if (v.list('servers').length === 0) return `${kind} SD config must contain at least one Zookeeper server`;
    const paths = v.list('paths').map((p) => p.str());
    if (paths.length === 0) return `${kind} SD config must contain at least one path`;
    const bad = paths.find((p) => !p.startsWith('/'));
    return bad !== undefined ? `${kind} SD config paths must begin with '/': ${bad}` : null;
  };
}

function dockerHost(v: SDValues): string | null {
  if (!v.str('host')) return 'host missing';
  v.url(v.str('host'));
  return null;
}

/** Every validated-only mechanism by its name (`<name>_sd_configs`). */
export const SD_SCHEMAS: Record<string, SDSchema> = {
  aws: {
    typeName: 'aws.plain',
    http: true,
    fields: { role: 'string', ...AWS_COMMON, filters: filters('aws.Filter'), clusters: 'strings' },
    check: (v) =>
      oneOf(v.str('role'), ['ec2', 'ecs', 'elasticache', 'lightsail', 'msk', 'rds'], `unknown AWS SD role ${JSON.stringify(v.str('role'))}`),
  },
  ec2: {
    typeName: 'aws.plain',
    http: true,
    fields: { ...AWS_COMMON, filters: filters('aws.Filter') },
    check: (v) => {
      for (const f of v.list('filters')) {
        const vals = f.map(['name', 'values'], 'aws.Filter').values;
        if (!vals || vals.strings().length === 0) return 'EC2 SD configuration filter values cannot be empty';
      }
      return null;
    },
  },
  ecs: { typeName: 'aws.plain', http: true, fields: AWS_CLUSTER },
  elasticache: { typeName: 'aws.plain', http: true, fields: AWS_CLUSTER },
  msk: { typeName: 'aws.plain', http: true, fields: AWS_CLUSTER },
  rds: { typeName: 'aws.plain', http: true, fields: { ...AWS_CLUSTER, filters: filters('aws.Filter') } },
  lightsail: { typeName: 'aws.plain', http: true, fields: AWS_COMMON },
  azure: {
    typeName: 'azure.plain',
    http: true,
    fields: {
      environment: 'string',
      port: 'int',
      subscription_id: 'string',
      tenant_id: 'string',
      client_id: 'string',
      client_secret: 'string',
      refresh_interval: 'duration',
      authentication_method: 'string',
      resource_group: 'string',
    },
    defaults: { authentication_method: 'OAuth' },
    check: azureCheck,
  },
  consul: {
    typeName: 'consul.plain',
    http: true,
    fields: {
      server: 'string',
      path_prefix: 'string',
      token: 'string',
      datacenter: 'string',
      namespace: 'string',
      partition: 'string',
      tag_separator: 'string',
      scheme: 'string',
      username: 'string',
      password: 'string',
      allow_stale: 'bool',
      refresh_interval: 'duration',
      services: 'strings',
      tags: 'strings',
      node_meta: 'stringMap',
      filter: 'string',
      health_filter: 'string',
    },
    defaults: { server: 'localhost:8500' },
    check: (v) => {
      if (v.str('server').trim() === '') return 'consul SD configuration requires a server address';
      if ((v.str('username') || v.str('password')) && v.http.basicAuth) {
        return 'at most one of consul SD configuration username and password and basic auth can be configured';
      }
      if (v.str('token') && (v.http.authorization || v.http.oauth2)) {
        return 'at most one of consul SD token, authorization, or oauth2 can be configured';
      }
      return null;
    },
  },
  digitalocean: {
    typeName: 'digitalocean.plain',
    http: true,
    fields: {
      refresh_interval: 'duration',
      port: 'int',
      role: enumRole(['droplets', 'databases'], (r) => `unknown DigitalOcean SD role ${JSON.stringify(r)}`),
    },
  },
  dns: {
    typeName: 'dns.plain',
    http: false,
    fields: { names: 'strings', refresh_interval: 'duration', type: 'string', port: 'int' },
    defaults: { type: 'SRV', port: '0' },
    check: (v) => {
      if (v.list('names').length === 0) return 'DNS-SD config must contain at least one SRV record name';
      const t = v.str('type').toUpperCase();
      if (t === 'SRV') return null;
      if (['A', 'AAAA', 'MX', 'NS'].includes(t)) {
        return v.str('port') === '0' ? 'a port is required in DNS-SD configs for all record types except SRV' : null;
      }
      return `invalid DNS-SD records type ${v.str('type')}`;
    },
  },
  eureka: {
    typeName: 'eureka.plain',
    http: true,
    fields: { server: 'string', refresh_interval: 'duration' },
    check: (v) => {
      if (v.str('server') === '') return 'eureka_sd: empty or null eureka server';
      const u = v.url(v.str('server'));
      return u.scheme === '' || u.host === '' ? 'eureka_sd: invalid eureka server URL' : null;
    },
  },
  gce: {
    typeName: 'gce.plain',
    http: false,
    fields: { project: 'string', zone: 'string', filter: 'string', refresh_interval: 'duration', port: 'int', tag_separator: 'string' },
    check: (v) =>
      !v.str('project') ? 'GCE SD configuration requires a project' : !v.str('zone') ? 'GCE SD configuration requires a zone' : null,
  },
  hetzner: {
    typeName: 'hetzner.plain',
    http: true,
    fields: {
      refresh_interval: 'duration',
      port: 'int',
      role: enumRole(['robot', 'hcloud'], (r) => `unknown role ${JSON.stringify(r)}`),
      label_selector: 'string',
    },
    check: (v) => (v.str('role') === '' ? 'role missing (one of: robot, hcloud)' : null),
  },
  ionos: {
    typeName: 'ionos.plain',
    http: true,
    fields: { datacenter_id: 'string', refresh_interval: 'duration', port: 'int' },
    check: (v) => (v.str('datacenter_id') === '' ? "datacenter id can't be empty" : null),
  },
  kubernetes: {
    typeName: 'kubernetes.plain',
    http: true,
    fields: {
      api_server: 'string',
      role: k8sRole,
      kubeconfig_file: 'string',
      namespaces: (n) => k8sNamespaces(n),
      selectors: (n) => void n.seq(),
      attach_metadata: k8sAttachMetadata,
    },
    check: checkKubernetes,
  },
  linode: {
    typeName: 'linode.plain',
    http: true,
    fields: { refresh_interval: 'duration', port: 'int', tag_separator: 'string', region: 'string' },
  },
  marathon: {
    typeName: 'marathon.plain',
    http: true,
    fields: { servers: 'strings', refresh_interval: 'duration', auth_token: 'string', auth_token_file: 'string' },
    check: marathonCheck,
  },
  docker: {
    typeName: 'moby.plain',
    http: true,
    fields: {
      host: 'string',
      port: 'int',
      filters: filters('moby.Filter'),
      host_networking_host: 'string',
      refresh_interval: 'duration',
      match_first_network: 'bool',
    },
    check: dockerHost,
  },
  dockerswarm: {
    typeName: 'moby.plain',
    http: true,
    fields: { host: 'string', role: 'string', port: 'int', filters: filters('moby.Filter'), refresh_interval: 'duration' },
    check: (v) => {
      const e = dockerHost(v);
      if (e) return e;
      const role = v.str('role');
      if (role === '') return 'role missing (one of: tasks, services, nodes)';
      return oneOf(role, ['services', 'nodes', 'tasks'], `invalid role ${role}, expected tasks, services, or nodes`);
    },
  },
  nomad: {
    typeName: 'nomad.plain',
    http: true,
    fields: {
      allow_stale: 'bool',
      namespace: 'string',
      refresh_interval: 'duration',
      region: 'string',
      server: 'string',
      tag_separator: 'string',
    },
    check: (v) => (v.str('server').trim() === '' ? 'nomad SD configuration requires a server address' : null),
  },
  oci: {
    typeName: 'oci.plain',
    http: true,
    fields: {
      auth: 'string',
      tenancy: 'string',
      user: 'string',
      fingerprint: 'string',
      key_file: 'string',
      key_passphrase: 'string',
      key_passphrase_file: 'string',
      region: 'string',
      compartments: 'strings',
      port: 'int',
      refresh_interval: 'duration',
    },
    defaults: { auth: 'api_key', refresh_interval: '60000' },
    check: ociCheck,
  },
  openstack: {
    typeName: 'openstack.plain',
    http: false,
    fields: {
      identity_endpoint: 'string',
      username: 'string',
      userid: 'string',
      password: 'string',
      project_name: 'string',
      project_id: 'string',
      domain_name: 'string',
      domain_id: 'string',
      application_credential_name: 'string',
      application_credential_id: 'string',
      application_credential_secret: 'string',
      role: enumRole(['hypervisor', 'instance', 'loadbalancer'], (r) => `unknown OpenStack SD role ${JSON.stringify(r)}`),
      region: 'string',
      refresh_interval: 'duration',
      port: 'int',
      all_tenants: 'bool',
      tls_config: 'tls',
      availability: 'string',
    },
    defaults: { availability: 'public' },
    check: (v) => {
      const a = v.str('availability');
      if (!['public', 'internal', 'admin'].includes(a)) return `unknown availability ${a}, must be one of admin, internal or public`;
      if (!v.str('role')) return 'role missing (one of: instance, hypervisor, loadbalancer)';
      return v.str('region') ? null : 'openstack SD configuration requires a region';
    },
  },
  outscale: {
    typeName: 'outscale.plain',
    http: true,
    fields: {
      endpoint: 'string',
      region: 'string',
      access_key: 'string',
      secret_key: 'string',
      secret_key_file: 'string',
      refresh_interval: 'duration',
      port: 'int',
    },
    check: (v) => {
      if (!v.str('region')) return 'outscale SD configuration requires a region';
      if (!v.str('access_key')) return 'outscale SD configuration requires access_key';
      return secretPair(v);
    },
  },
  ovhcloud: {
    typeName: 'ovhcloud.plain',
    http: false,
    fields: {
      endpoint: 'string',
      application_key: 'string',
      application_secret: 'string',
      consumer_key: 'string',
      refresh_interval: 'duration',
      service: 'string',
    },
    check: (v) => {
      if (!v.str('endpoint')) return 'endpoint can not be empty';
      if (!v.str('application_key')) return 'application key can not be empty';
      if (!v.str('application_secret')) return 'application secret can not be empty';
      if (!v.str('consumer_key')) return 'consumer key can not be empty';
      return oneOf(v.str('service'), ['dedicated_server', 'vps'], `unknown service: ${v.str('service')}`);
    },
  },
  puppetdb: {
    typeName: 'puppetdb.plain',
    http: true,
    fields: { refresh_interval: 'duration', url: 'string', query: 'string', include_parameters: 'bool', port: 'int' },
    check: (v) => {
      v.checkHTTPURL(v.str('url'));
      return v.str('query') === '' ? 'query missing' : null;
    },
  },
  scaleway: {
    typeName: 'scaleway.plain',
    http: true,
    fields: {
      project_id: 'string',
      api_url: 'string',
      zone: 'string',
      access_key: 'string',
      secret_key: 'string',
      secret_key_file: 'string',
      name_filter: 'string',
      tags_filter: 'strings',
      refresh_interval: 'duration',
      port: 'int',
      role: enumRole(['instance', 'baremetal'], (r) => `unknown role ${JSON.stringify(r)}`),
    },
    check: (v) => {
      if (!v.str('role')) return 'role missing (one of: instance, baremetal)';
      if (!v.str('project_id')) return 'project_id is mandatory';
      const e = secretPair(v);
      if (e) return e;
      return v.str('access_key') ? null : 'access_key is mandatory';
    },
  },
  stackit: {
    typeName: 'stackit.plain',
    http: true,
    fields: {
      project: 'string',
      refresh_interval: 'duration',
      port: 'int',
      region: 'string',
      endpoint: 'string',
      service_account_key: 'string',
      private_key: 'string',
      service_account_key_path: 'string',
      private_key_path: 'string',
      credentials_file_path: 'string',
    },
    defaults: { region: 'eu01' },
    check: (v) => {
      if (!v.str('endpoint') && !v.str('region')) return 'stackit_sd: endpoint and region missing';
      try {
        parseGoURL(v.str('endpoint'));
      } catch (e) {
        return `stackit_sd: invalid endpoint ${JSON.stringify(v.str('endpoint'))}: ${(e as Error).message}`;
      }
      return null;
    },
  },
  triton: {
    typeName: 'triton.plain',
    http: false,
    fields: {
      account: 'string',
      role: 'string',
      dns_suffix: 'string',
      endpoint: 'string',
      groups: 'strings',
      port: 'int',
      refresh_interval: 'duration',
      tls_config: 'tls',
      version: 'int',
    },
    defaults: { role: 'container', refresh_interval: '60000' },
    check: (v) => {
      if (!['container', 'cn'].includes(v.str('role'))) return "triton SD configuration requires role to be 'container' or 'cn'";
      if (!v.str('account')) return 'triton SD configuration requires an account';
      if (!v.str('dns_suffix')) return 'triton SD configuration requires a dns_suffix';
      if (!v.str('endpoint')) return 'triton SD configuration requires an endpoint';
      return Number(v.str('refresh_interval')) > 0 ? null : 'triton SD configuration requires RefreshInterval to be a positive integer';
    },
  },
  uyuni: {
    typeName: 'uyuni.plain',
    http: true,
    fields: {
      server: 'string',
      username: 'string',
      password: 'string',
      entitlement: 'string',
      separator: 'string',
      refresh_interval: 'duration',
    },
    check: (v) => {
      if (!v.str('server')) return 'Uyuni SD configuration requires server host';
      v.url(v.str('server'));
      if (!v.str('username')) return 'Uyuni SD configuration requires a username';
      return v.str('password') ? null : 'Uyuni SD configuration requires a password';
    },
  },
  vultr: { typeName: 'vultr.plain', http: true, fields: { refresh_interval: 'duration', port: 'int' } },
  kuma: {
    typeName: 'xds.plainKumaConf',
    http: true,
    fields: { refresh_interval: 'duration', fetch_timeout: 'duration', server: 'string', client_id: 'string' },
    check: (v) => {
      const s = v.str('server');
      if (!s) return `kuma SD server must not be empty: ${s}`;
      const u = v.url(s);
      return u.scheme === '' || u.host === '' ? `kuma SD server must not be empty and have a scheme: ${s}` : null;
    },
  },
  serverset: {
    typeName: 'zookeeper.plain',
    http: false,
    fields: { servers: 'strings', paths: 'strings', timeout: 'duration' },
    check: zookeeperCheck('serverset'),
  },
  nerve: {
    typeName: 'zookeeper.plain',
    http: false,
    fields: { servers: 'strings', paths: 'strings', timeout: 'duration' },
    check: zookeeperCheck('nerve'),
  },
};
