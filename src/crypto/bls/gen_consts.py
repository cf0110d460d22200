#!/usr/bin/env python3
"""Generates consts.c: every BLS12-381 constant the module needs, in the
6x64-bit little-endian Montgomery form (R = 2^384) the field code uses.

Run from this folder: python3 gen_consts.py > consts.c
The inputs are the curve parameters and the RFC 9380 Appendix E isogeny
coefficients, written here in hex exactly as the RFC prints them; everything
else (Frobenius and psi coefficients, the cube root of unity, exponents) is
derived, and the derivations are checked with asserts.
"""

P = 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab
R_ORDER = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001
X_ABS = 0xd201000000010000  # the BLS parameter is x = -X_ABS
RM = 1 << 384

G1X = 0x17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb
G1Y = 0x08b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1
G2X = (0x024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8,
       0x13e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e)
G2Y = (0x0ce5d527727d6e118cc9cdc6da2e351aadfd9baa8cbdd3a76d429a695160d12c923ac9cc3baca289e193548608b82801,
       0x0606c4a02ea734cc32acd2b02bc28b99cb3e287e85a763af267492ab572e99ab3f370d275cec1da1aaa9075ff05f79be)

# RFC 9380 §8.8.1 / Appendix E.2: E1': y^2 = x^3 + A'x + B', Z = 11, 11-isogeny.
ISO1_A = 0x144698a3b8e9433d693a02c96d4982b0ea985383ee66a8d8e8981aefd881ac98936f8da0e0f97f5cf428082d584c1d
ISO1_B = 0x12e2908d11688030018b12e8753eee3b2016c1f0f24f4070a0b9c14fcef35ef55a23215a316ceaa5d1cc48e98e172be0
ISO1_XNUM = """
11a05f2b1e833340b809101dd99815856b303e88a2d7005ff2627b56cdb4e2c85610c2d5f2e62d6eaeac1662734649b7
17294ed3e943ab2f0588bab22147a81c7c17e75b2f6a8417f565e33c70d1e86b4838f2a6f318c356e834eef1b3cb83bb
0d54005db97678ec1d1048c5d10a9a1bce032473295983e56878e501ec68e25c958c3e3d2a09729fe0179f9dac9edcb0
1778e7166fcc6db74e0609d307e55412d7f5e4656a8dbf25f1b33289f1b330835336e25ce3107193c5b388641d9b6861
0e99726a3199f4436642b4b3e4118e5499db995a1257fb3f086eeb65982fac18985a286f301e77c451154ce9ac8895d9
1630c3250d7313ff01d1201bf7a74ab5db3cb17dd952799b9ed3ab9097e68f90a0870d2dcae73d19cd13c1c66f652983
0d6ed6553fe44d296a3726c38ae652bfb11586264f0f8ce19008e218f9c86b2a8da25128c1052ecaddd7f225a139ed84
17b81e7701abdbe2e8743884d1117e53356de5ab275b4db1a682c62ef0f2753339b7c8f8c8f475af9ccb5618e3f0c88e
080d3cf1f9a78fc47b90b33563be990dc43b756ce79f5574a2c596c928c5d1de4fa295f296b74e956d71986a8497e317
169b1f8e1bcfa7c42e0c37515d138f22dd2ecb803a0c5c99676314baf4bb1b7fa3190b2edc0327797f241067be390c9e
10321da079ce07e272d8ec09d2565b0dfa7dccdde6787f96d50af36003b14866f69b771f8c285decca67df3f1605fb7b
06e08c248e260e70bd1e962381edee3d31d79d7e22c837bc23c0bf1bc24c6b68c24b1b80b64d391fa9c8ba2e8ba2d229
"""
ISO1_XDEN = """
08ca8d548cff19ae18b2e62f4bd3fa6f01d5ef4ba35b48ba9c9588617fc8ac62b558d681be343df8993cf9fa40d21b1c
12561a5deb559c4348b4711298e536367041e8ca0cf0800c0126c2588c48bf5713daa8846cb026e9e5c8276ec82b3bff
0b2962fe57a3225e8137e629bff2991f6f89416f5a718cd1fca64e00b11aceacd6a3d0967c94fedcfcc239ba5cb83e19
03425581a58ae2fec83aafef7c40eb545b08243f16b1655154cca8abc28d6fd04976d5243eecf5c4130de8938dc62cd8
13a8e162022914a80a6f1d5f43e7a07dffdfc759a12062bb8d6b44e833b306da9bd29ba81f35781d539d395b3532a21e
0e7355f8e4e667b955390f7f0506c6e9395735e9ce9cad4d0a43bcef24b8982f7400d24bc4228f11c02df9a29f6304a5
0772caacf16936190f3e0c63e0596721570f5799af53a1894e2e073062aede9cea73b3538f0de06cec2574496ee84a3a
14a7ac2a9d64a8b230b3f5b074cf01996e7f63c21bca68a81996e1cdf9822c580fa5b9489d11e2d311f7d99bbdcc5a5e
0a10ecf6ada54f825e920b3dafc7a3cce07f8d1d7161366b74100da67f39883503826692abba43704776ec3a79a1d641
095fc13ab9e92ad4476d6e3eb3a56680f682b4ee96f7d03776df533978f31c1593174e4b4b7865002d6384d168ecdd0a
"""
ISO1_YNUM = """
090d97c81ba24ee0259d1f094980dcfa11ad138e48a869522b52af6c956543d3cd0c7aee9b3ba3c2be9845719707bb33
134996a104ee5811d51036d776fb46831223e96c254f383d0f906343eb67ad34d6c56711962fa8bfe097e75a2e41c696
00cc786baa966e66f4a384c86a3b49942552e2d658a31ce2c344be4b91400da7d26d521628b00523b8dfe240c72de1f6
01f86376e8981c217898751ad8746757d42aa7b90eeb791c09e4a3ec03251cf9de405aba9ec61deca6355c77b0e5f4cb
08cc03fdefe0ff135caf4fe2a21529c4195536fbe3ce50b879833fd221351adc2ee7f8dc099040a841b6daecf2e8fedb
16603fca40634b6a2211e11db8f0a6a074a7d0d4afadb7bd76505c3d3ad5544e203f6326c95a807299b23ab13633a5f0
04ab0b9bcfac1bbcb2c977d027796b3ce75bb8ca2be184cb5231413c4d634f3747a87ac2460f415ec961f8855fe9d6f2
0987c8d5333ab86fde9926bd2ca6c674170a05bfe3bdd81ffd038da6c26c842642f64550fedfe935a15e4ca31870fb29
09fc4018bd96684be88c9e221e4da1bb8f3abd16679dc26c1e8b6e6a1f20cabe69d65201c78607a360370e577bdba587
0e1bba7a1186bdb5223abde7ada14a23c42a0ca7915af6fe06985e7ed1e4d43b9b3f7055dd4eba6f2bafaaebca731c30
19713e47937cd1be0dfd0b8f1d43fb93cd2fcbcb6caf493fd1183e416389e61031bf3a5cce3fbafce813711ad011c132
18b46a908f36f6deb918c143fed2edcc523559b8aaf0c2462e6bfe7f911f643249d9cdf41b44d606ce07c8a4d0074d8e
0b182cac101b9399d155096004f53f447aa7b12a3426b08ec02710e807b4633f06c851c1919211f20d4c04f00b971ef8
0245a394ad1eca9b72fc00ae7be315dc757b3b080d4c158013e6632d3c40659cc6cf90ad1c232a6442d9d3f5db980133
05c129645e44cf1102a159f748c4a3fc5e673d81d7e86568d9ab0f5d396a7ce46ba1049b6579afb7866b1e715475224b
15e6be4e990f03ce4ea50b3b42df2eb5cb181d8f84965a3957add4fa95af01b2b665027efec01c7704b456be69c8b604
"""
ISO1_YDEN = """
16112c4c3a9c98b252181140fad0eae9601a6de578980be6eec3232b5be72e7a07f3688ef60c206d01479253b03663c1
1962d75c2381201e1a0cbd6c43c348b885c84ff731c4d59ca4a10356f453e01f78a4260763529e3532f6102c2e49a03d
058df3306640da276faaae7d6e8eb15778c4855551ae7f310c35a5dd279cd2eca6757cd636f96f891e2538b53dbf67f2
16b7d288798e5395f20d23bf89edb4d1d115c5dbddbcd30e123da489e726af41727364f2c28297ada8d26d98445f5416
0be0e079545f43e4b00cc912f8228ddcc6d19c9f0f69bbb0542eda0fc9dec916a20b15dc0fd2ededda39142311a5001d
08d9e5297186db2d9fb266eaac783182b70152c65550d881c5ecd87b6f0f5a6449f38db9dfa9cce202c6477faaf9b7ac
166007c08a99db2fc3ba8734ace9824b5eecfdfa8d0cf8ef5dd365bc400a0051d5fa9c01a58b1fb93d1a1399126a775c
16a3ef08be3ea7ea03bcddfabba6ff6ee5a4375efa1f4fd7feb34fd206357132b920f5b00801dee460ee415a15812ed9
1866c8ed336c61231a1be54fd1d74cc4f9fb0ce4c6af5920abc5750c4bf39b4852cfe2f7bb9248836b233d9d55535d4a
167a55cda70a6e1cea820597d94a84903216f763e13d87bb5308592e7ea7d4fbc7385ea3d529b35e346ef48bb8913f55
04d2f259eea405bd48f010a01ad2911d9c6dd039bb61a6290e591b36e636a5c871a5c29f4f83060400f8b49cba8f6aa8
0accbb67481d033ff5852c1e48c50c477f94ff8aefce42d28c0f9a88cea7913516f968986f7ebbea9684b529e2561092
0ad6b9514c767fe3c3613144b45f1496543346d98adf02267d5ceef9a00d9b8693000763e3b90ac11e99b138573345cc
02660400eb2e4f3b628bdd0d53cd76f2bf565b94e72927c1cb748df27942480e420517bd8714cc80d1fadc1326ed06f7
0e0fa1d816ddc03e6b24255e0d7819c171c40f65e273b853324efcd6356caa205ca2f570f13497804415473a1d634b8f
"""

# RFC 9380 §8.8.2 / Appendix E.3: E2': y^2 = x^3 + 240i x + 1012(1+i), Z = -(2+i), 3-isogeny.
H1 = 0x5c759507e8e333ebb5b7a9a47d7ed8532c52d39fd3a042a88b58423c50ae15d5c2638e343d9c71c6238aaaaaaaa97d6
H2 = 0x11560bf17baa99bc32126fced787c88f984f87adf7ae0c7f9a208c6b4f20a4181472aaa9cb8d555526a9ffffffffc71a
H3 = 0x11560bf17baa99bc32126fced787c88f984f87adf7ae0c7f9a208c6b4f20a4181472aaa9cb8d555526a9ffffffffc71e
H4 = 0x8ab05f8bdd54cde190937e76bc3e447cc27c3d6fbd7063fcd104635a790520c0a395554e5c6aaaa9354ffffffffe38d
H5 = 0x171d6541fa38ccfaed6dea691f5fb614cb14b4e7f4e810aa22d6108f142b85757098e38d0f671c7188e2aaaaaaaa5ed1
ISO2_XNUM = [(H1, H1), (0, H2), (H3, H4), (H5, 0)]
ISO2_XDEN = [(0, 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaa63),
             (0xc, 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaa9f)]
Y1 = 0x1530477c7ab4113b59a4c18b076d11930f7da5d4a07f649bf54439d87d27e500fc8c25ebf8c92f6812cfc71c71c6d706
Y2 = 0x5c759507e8e333ebb5b7a9a47d7ed8532c52d39fd3a042a88b58423c50ae15d5c2638e343d9c71c6238aaaaaaaa97be
Y3 = 0x11560bf17baa99bc32126fced787c88f984f87adf7ae0c7f9a208c6b4f20a4181472aaa9cb8d555526a9ffffffffc71c
Y4 = 0x8ab05f8bdd54cde190937e76bc3e447cc27c3d6fbd7063fcd104635a790520c0a395554e5c6aaaa9354ffffffffe38f
Y5 = 0x124c9ad43b6cf79bfbf7043de3811ad0761b0f37a1e26286b0e977c69aa274524e79097a56dc4bd9e1b371c71c718b10
ISO2_YNUM = [(Y1, Y1), (0, Y2), (Y3, Y4), (Y5, 0)]
D1 = 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffa8fb
D2 = 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffa9d3
D3 = 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaa99
ISO2_YDEN = [(D1, D1), (0, D2), (0x12, D3)]


def hexlist(s):
    return [int(h, 16) for h in s.split()]


# ---- Fp2 arithmetic for the derivations (u^2 = -1) -------------------------
def f2mul(a, b):
    return ((a[0] * b[0] - a[1] * b[1]) % P, (a[0] * b[1] + a[1] * b[0]) % P)


def f2pow(a, e):
    r = (1, 0)
    while e:
        if e & 1:
            r = f2mul(r, a)
        a = f2mul(a, a)
        e >>= 1
    return r


def f2inv(a):
    n = pow(a[0] * a[0] + a[1] * a[1], P - 2, P)
    return (a[0] * n % P, (-a[1]) * n % P)


XI = (1, 1)

# ---- short Weierstrass affine arithmetic over Fp, to pick beta --------------
def ec_add(p1, p2):
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    x1, y1 = p1
    x2, y2 = p2
    if x1 == x2 and (y1 + y2) % P == 0:
        return None
    if p1 == p2:
        lam = 3 * x1 * x1 * pow(2 * y1, P - 2, P) % P
    else:
        lam = (y2 - y1) * pow(x2 - x1, P - 2, P) % P
    x3 = (lam * lam - x1 - x2) % P
    return (x3, (lam * (x1 - x3) - y1) % P)


def ec_mul(k, pt):
    r = None
    while k:
        if k & 1:
            r = ec_add(r, pt)
        pt = ec_add(pt, pt)
        k >>= 1
    return r


def limbs(v):
    return [(v >> (64 * i)) & 0xFFFFFFFFFFFFFFFF for i in range(6)]


def mont(v):
    return v * RM % P


def c_fp(v, raw=False):
    vals = limbs(v if raw else mont(v % P))
    return "{{" + ", ".join("0x%016xULL" % x for x in vals) + "}}"


def c_fp2(a):
    return "{" + c_fp(a[0]) + ", " + c_fp(a[1]) + "}"


out = []


def emit_fp(name, v, raw=False, comment=None):
    if comment:
        out.append("/* %s */" % comment)
    out.append("const fp_t %s = %s;" % (name, c_fp(v, raw)))


def emit_fp2(name, a, comment=None):
    if comment:
        out.append("/* %s */" % comment)
    out.append("const fp2_t %s = %s;" % (name, c_fp2(a)))


def emit_fp_array(name, vals):
    out.append("const fp_t %s[%d] = {" % (name, len(vals)))
    for v in vals:
        out.append("    " + c_fp(v) + ",")
    out.append("};")


def emit_fp2_array(name, vals):
    out.append("const fp2_t %s[%d] = {" % (name, len(vals)))
    for v in vals:
        out.append("    " + c_fp2(v) + ",")
    out.append("};")


def emit_u64_array(name, v, n=6):
    out.append("const uint64_t %s[%d] = {%s};" % (
        name, n, ", ".join("0x%016xULL" % x for x in limbs(v)[:n])))


# ---- checks on the inputs ------------------------------------------------------
assert (G1Y * G1Y - G1X ** 3 - 4) % P == 0
b2 = (4, 4)
lhs = f2mul(G2Y, G2Y)
rhs = f2mul(f2mul(G2X, G2X), G2X)
assert ((lhs[0] - rhs[0] - 4) % P, (lhs[1] - rhs[1] - 4) % P) == (0, 0)
assert P % 4 == 3
assert (X_ABS ** 4 - X_ABS ** 2 + 1) == R_ORDER  # r = x^4 - x^2 + 1

# beta: a cube root of unity with phi(P) = (beta x, y) = [-x^2] P on G1.
beta = None
for g in range(2, 50):
    c = pow(g, (P - 1) // 3, P)
    if c != 1:
        for cand in (c, c * c % P):
            lhs_pt = (cand * G1X % P, G1Y)
            rhs_pt = ec_mul((-(X_ABS ** 2)) % R_ORDER, (G1X, G1Y))
            if lhs_pt == rhs_pt:
                beta = cand
        break
assert beta is not None

# Frobenius coefficients: gamma_{i,k} = xi^(i (p^k - 1) / 6) for the w-powers.
frob = {}
for k in (1, 2, 3):
    pk = P ** k
    for i in range(1, 6):
        assert (i * (pk - 1)) % 6 == 0
        frob[(i, k)] = f2pow(XI, i * (pk - 1) // 6)

# psi(x, y) = (conj(x) * PSI_X, conj(y) * PSI_Y)
psi_x = f2inv(f2pow(XI, (P - 1) // 3))
psi_y = f2inv(f2pow(XI, (P - 1) // 2))

out.append("/* Generated by gen_consts.py: do not edit. Field elements are in")
out.append(" * Montgomery form (R = 2^384), limbs little-endian; exponents are plain. */")
out.append('#include "internal.h"')
out.append("")
emit_u64_array("BLS_P", P)
out.append("const uint64_t BLS_P_INV = 0x%016xULL; /* -p^-1 mod 2^64 */" % ((-pow(P, -1, 1 << 64)) % (1 << 64)))
emit_fp("BLS_FP_ONE", 1)
emit_fp("BLS_FP_R2", RM * RM % P, raw=True, comment="R^2 mod p (plain), converts into Montgomery form")
emit_fp("BLS_FP_K256", (1 << 256) * RM * RM % P, raw=True,
        comment="2^256 R^2 mod p (plain): folds the top half of a 512-bit integer")
emit_u64_array("BLS_EXP_P_MINUS_2", P - 2)
emit_u64_array("BLS_EXP_P_PLUS_1_DIV_4", (P + 1) // 4)
emit_u64_array("BLS_EXP_P_MINUS_1_DIV_2", (P - 1) // 2)
emit_u64_array("BLS_EXP_P_MINUS_3_DIV_4", (P - 3) // 4)
emit_u64_array("BLS_R_ORDER", R_ORDER, 4)
emit_fp("BLS_FP_B", 4, comment="E1: y^2 = x^3 + 4")
emit_fp("BLS_FP_B3", 12)
emit_fp("BLS_FP_TWO_INV", pow(2, P - 2, P))
emit_fp("BLS_FP_BETA", beta, comment="cube root of unity: (beta x, y) = [-x^2](x, y) on G1")
emit_fp("BLS_G1_X", G1X)
emit_fp("BLS_G1_Y", G1Y)
emit_fp2("BLS_G2_X", G2X)
emit_fp2("BLS_G2_Y", G2Y)
emit_fp2("BLS_PSI_X", psi_x, comment="psi: untwist-Frobenius-twist on E2")
emit_fp2("BLS_PSI_Y", psi_y)
out.append("/* BLS_FROB[k-1][i-1] = xi^(i (p^k - 1) / 6), xi = 1 + u */")
out.append("const fp2_t BLS_FROB[3][5] = {")
for k in (1, 2, 3):
    out.append("    {")
    for i in range(1, 6):
        out.append("        " + c_fp2(frob[(i, k)]) + ",")
    out.append("    },")
out.append("};")

# SSWU for G1.
emit_fp("BLS_ISO1_A", ISO1_A)
emit_fp("BLS_ISO1_B", ISO1_B)
emit_fp("BLS_ISO1_Z", 11)
emit_fp("BLS_ISO1_MB_DIV_A", (-ISO1_B) * pow(ISO1_A, P - 2, P) % P, comment="-B'/A'")
emit_fp("BLS_ISO1_B_DIV_ZA", ISO1_B * pow(11 * ISO1_A, P - 2, P) % P, comment="B'/(Z A')")
emit_fp_array("BLS_ISO1_XNUM", hexlist(ISO1_XNUM))
emit_fp_array("BLS_ISO1_XDEN", hexlist(ISO1_XDEN))
emit_fp_array("BLS_ISO1_YNUM", hexlist(ISO1_YNUM))
emit_fp_array("BLS_ISO1_YDEN", hexlist(ISO1_YDEN))

# SSWU for G2.
A2 = (0, 240)
B2 = (1012, 1012)
Z2 = ((-2) % P, (-1) % P)
emit_fp2("BLS_ISO2_A", A2)
emit_fp2("BLS_ISO2_B", B2)
emit_fp2("BLS_ISO2_Z", Z2)
mb = f2mul(((-B2[0]) % P, (-B2[1]) % P), f2inv(A2))
emit_fp2("BLS_ISO2_MB_DIV_A", mb, comment="-B'/A'")
emit_fp2("BLS_ISO2_B_DIV_ZA", f2mul(B2, f2inv(f2mul(Z2, A2))), comment="B'/(Z A')")
emit_fp2_array("BLS_ISO2_XNUM", ISO2_XNUM)
emit_fp2_array("BLS_ISO2_XDEN", ISO2_XDEN)
emit_fp2_array("BLS_ISO2_YNUM", ISO2_YNUM)
emit_fp2_array("BLS_ISO2_YDEN", ISO2_YDEN)

print("\n".join(out))
