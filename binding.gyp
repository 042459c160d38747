# The clinsum native addon: a thin node-addon-api layer over libtorch (see docs/engine.md).
# native/find-libtorch.mjs decides which libtorch to use (LIBTORCH/TORCH_ROOT, Python torch, system).
{
  'targets': [
    {
      'target_name': 'clinsum_native',
      'sources': [
        'native/addon.cc',
        'native/tensor_ops.cc',
        'native/nn_ops.cc',
        'native/runtime.cc',
      ],
      'include_dirs': [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        '<!@(node native/find-libtorch.mjs --include-dirs)',
      ],
      'defines': [
        'NAPI_VERSION=8',
        'NAPI_CPP_EXCEPTIONS',
        'NODE_ADDON_API_DISABLE_DEPRECATED',
        '<!@(node native/find-libtorch.mjs --defines)',
      ],
      'cflags!': ['-fno-exceptions', '-fno-rtti'],
      'cflags_cc!': ['-fno-exceptions', '-fno-rtti', '-std=gnu++17'],
      'cflags_cc': ['-std=c++20', '-O2', '-fexceptions', '-frtti', '-Wno-unused-parameter', '-Wno-deprecated-declarations'],
      'libraries': ['<!@(node native/find-libtorch.mjs --libraries)', '-ldl'],
    },
  ],
}
