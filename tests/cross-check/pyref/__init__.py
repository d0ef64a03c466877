"""Independent PyTorch references of the product's attacks, for the standing cross-check.

Written from the papers and from the reference code of each attack (advex-uar for the unseen
attacks, AutoAttack for APGD), not from the product's TypeScript. Images are NCHW tensors in
[0,1] pixel units; budgets are in the product's units, stated in each function.
"""
