# shellcheck shell=bash
# Certificates and kubeconfigs for the local cluster. Source it; do not run it.
# One CA signs everything. Each component gets its own client certificate
# whose CN and O are the user and group that RBAC and the Node authorizer
# expect, so no component runs with more rights than Kubernetes gives it.

# Create PKI_DIR/NAME.{key,crt} signed by the CA unless it exists.
# SUBJECT is an openssl subject; SANS (optional) a subjectAltName list.
issue_certificate() {
  local name=$1 subject=$2 sans=${3:-} usage=${4:-clientAuth}
  [[ -f $PKI_DIR/$name.crt ]] && return 0
  local extensions
  extensions=$(mktemp)
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$usage"
    [[ -n $sans ]] && echo "subjectAltName=$sans"
  } > "$extensions"
  openssl req -new -newkey rsa:2048 -nodes -subj "$subject" \
    -keyout "$PKI_DIR/$name.key" -out "$PKI_DIR/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI_DIR/$name.csr" -CA "$PKI_DIR/ca.crt" -CAkey "$PKI_DIR/ca.key" \
    -CAcreateserial -days 365 -extfile "$extensions" -out "$PKI_DIR/$name.crt" 2>/dev/null
  rm -f "$PKI_DIR/$name.csr" "$extensions"
  chmod 0600 "$PKI_DIR/$name.key"
}

# Write CONFIG_DIR/NAME.kubeconfig for the client certificate PKI_DIR/NAME,
# or TARGET with the API server at SERVER when those are given.
write_kubeconfig() {
  local name=$1 target=${2:-$CONFIG_DIR/$1.kubeconfig} server=${3:-https://127.0.0.1:$API_PORT}
  local user
  user=$(openssl x509 -in "$PKI_DIR/$name.crt" -noout -subject -nameopt multiline | awk -F' = ' '/commonName/ {print $2}')
  # A subshell keeps the umask from leaking into the processes `up` starts.
  (
  umask 077
  cat > "$target" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: mooring-local
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 "$PKI_DIR/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 "$PKI_DIR/$name.crt")
    client-key-data: $(base64 -w0 "$PKI_DIR/$name.key")
contexts:
- name: mooring-local
  context:
    cluster: mooring-local
    user: $user
current-context: mooring-local
KUBECONFIG
  )
}

# Create the CA, every certificate, the service-account key pair and the kubeconfigs.
create_pki() {
  mkdir -p "$PKI_DIR" "$CONFIG_DIR"
  chmod 0700 "$PKI_DIR"
  if [[ ! -f $PKI_DIR/ca.crt ]]; then
    log "creating the cluster CA in $PKI_DIR"
    openssl req -x509 -new -newkey rsa:2048 -nodes -days 3650 -subj "/CN=mooring-local-ca" \
      -keyout "$PKI_DIR/ca.key" -out "$PKI_DIR/ca.crt" 2>/dev/null
    chmod 0600 "$PKI_DIR/ca.key"
  fi

  local api_names="DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"
  api_names+=",DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:$API_SERVICE_IP,IP:$NODE_IP"
  issue_certificate apiserver "/CN=kube-apiserver" "$api_names" serverAuth
  issue_certificate etcd-server "/CN=etcd" "DNS:localhost,IP:127.0.0.1" serverAuth
  issue_certificate apiserver-etcd-client "/CN=kube-apiserver-etcd-client"
  issue_certificate apiserver-kubelet-client "/CN=kube-apiserver-kubelet-client"
  issue_certificate admin "/O=system:masters/CN=mooring-admin"
  issue_certificate controller-manager "/CN=system:kube-controller-manager"
  issue_certificate scheduler "/CN=system:kube-scheduler"
  issue_certificate kube-proxy "/CN=system:kube-proxy"

  if [[ ! -f $PKI_DIR/service-account.key ]]; then
    openssl genrsa -out "$PKI_DIR/service-account.key" 2048 2>/dev/null
    openssl rsa -in "$PKI_DIR/service-account.key" -pubout -out "$PKI_DIR/service-account.pub" 2>/dev/null
    chmod 0600 "$PKI_DIR/service-account.key"
  fi

  local component
  for component in admin controller-manager scheduler kube-proxy; do
    write_kubeconfig "$component"
  done
}

# Create the certificates and kubeconfigs of the machine that machine_paths
# last selected: kubelet's serving and client certificates, and kubeconfigs
# for its kubelet and kube-proxy that reach the API server at M_API.
create_machine_pki() {
  issue_certificate "kubelet-server-$M_NAME" "/CN=$M_NAME" "DNS:$M_NAME,IP:$M_IP,IP:127.0.0.1" serverAuth
  issue_certificate "kubelet-$M_NAME" "/O=system:nodes/CN=system:node:$M_NAME"
  mkdir -p "$M_CONFIG"
  write_kubeconfig "kubelet-$M_NAME" "$M_CONFIG/kubelet.kubeconfig" "$M_API"
  write_kubeconfig kube-proxy "$M_CONFIG/kube-proxy.kubeconfig" "$M_API"
}
