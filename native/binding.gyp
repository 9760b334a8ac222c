{
  # fwctl_native: a thin 1:1 Node-API binding of libbpf (see README.md).
  # Build: npx node-gyp rebuild --directory native --nodedir=/usr
  'targets': [
    {
      'target_name': 'fwctl_native',
      'sources': [
        'addon.cc',
        'errors.cc',
        'log.cc',
        'object.cc',
        'btf.cc',
        'map.cc',
        'program.cc',
        'xdp.cc',
        'ringbuf.cc',
      ],
      'dependencies': [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except",
      ],
      'defines': [ 'NAPI_VERSION=8' ],
      'cflags_cc': [ '-std=c++17', '-Wall', '-Wextra', '-Wno-unused-parameter', '-Wno-missing-field-initializers', '<!@(pkg-config --cflags libbpf)' ],
      'cflags_cc!': [ '-std=gnu++17', '-std=gnu++14' ],
      'libraries': [ '<!@(pkg-config --libs libbpf)' ],
    },
  ],
}
