{
  "targets": [
    {
      "target_name": "mimo_native",
      "sources": [
        "native/common.cc",
        "native/tensor_ops.cc",
        "native/nn_ops.cc",
        "native/runtime.cc",
        "native/bench.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node native/config.cjs includes)"
      ],
      "defines": ["NAPI_CPP_EXCEPTIONS", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS", "NAPI_VERSION=8"],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-Wno-unused-parameter", "<!@(node native/config.cjs cflags)"],
      "libraries": ["<!@(node native/config.cjs libs)"]
    }
  ]
}
