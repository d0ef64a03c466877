{
  "targets": [
    {
      "target_name": "dmat_kernels",
      "sources": ["src/kernels.cc"],
      "cflags_cc": ["-O3", "-std=c++17"],
      "conditions": [["target_arch!='x64'", {"type": "none"}]]
    }
  ]
}
