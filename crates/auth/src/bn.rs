//! Modular exponentiation modulo the SRP group prime on AWS-LC's `BIGNUM`
//! (`BN_mod_exp_mont_consttime`): constant-time in the exponent, and an order of magnitude
//! faster than num-bigint for 3072-bit numbers; and `g^e` from a precomputed table of
//! powers of `g`. num-bigint stays the representation.

use std::ptr;
use std::sync::LazyLock;

use aws_lc_sys as sys;
use num_bigint::BigUint;

/// `N` as a `BIGNUM` with its Montgomery context, built once and only read afterwards.
struct Group {
    n: *mut sys::BIGNUM,
    mont: *mut sys::BN_MONT_CTX,
}

// SAFETY: both are created once, never freed, and only passed as `const` pointers to AWS-LC
// functions that do not mutate them (`BN_mod_exp_mont_consttime` takes `const BN_MONT_CTX *`).
unsafe impl Send for Group {}
unsafe impl Sync for Group {}

static GROUP: LazyLock<Group> = LazyLock::new(|| {
    let bytes = crate::srp::N.to_bytes_be();
    // SAFETY: plain AWS-LC allocation calls with valid buffers; failures are checked.
    unsafe {
        let n = sys::BN_bin2bn(bytes.as_ptr(), bytes.len(), ptr::null_mut());
        assert!(!n.is_null(), "BN_bin2bn");
        let ctx = sys::BN_CTX_new();
        assert!(!ctx.is_null(), "BN_CTX_new");
        let mont = sys::BN_MONT_CTX_new_consttime(n, ctx);
        sys::BN_CTX_free(ctx);
        assert!(!mont.is_null(), "BN_MONT_CTX_new_consttime");
        Group { n, mont }
    }
});

/// An owned `BIGNUM`, freed (and cleared) on drop.
struct Bn(*mut sys::BIGNUM);

impl Bn {
    fn from(n: &BigUint) -> Bn {
        let bytes = n.to_bytes_be();
        // SAFETY: valid buffer; a null result is checked.
        let p = unsafe { sys::BN_bin2bn(bytes.as_ptr(), bytes.len(), ptr::null_mut()) };
        assert!(!p.is_null(), "BN_bin2bn");
        Bn(p)
    }

    fn to_biguint(&self) -> BigUint {
        // SAFETY: `self.0` is a valid BIGNUM; the buffer has BN_num_bytes bytes.
        unsafe {
            let len = sys::BN_num_bytes(self.0) as usize;
            let mut out = vec![0u8; len];
            sys::BN_bn2bin(self.0, out.as_mut_ptr());
            BigUint::from_bytes_be(&out)
        }
    }
}

impl Bn {
    /// A number of exactly N's width (what AWS-LC's assembly Montgomery multiplication
    /// takes), from little-endian limbs.
    fn wide(limbs: &Limbs) -> Bn {
        // SAFETY: BN_set_bit of the top bit allocates LIMBS limbs and sets the width to LIMBS;
        // the limbs are then overwritten in place, keeping that width.
        unsafe {
            let p = sys::BN_new();
            assert!(!p.is_null(), "BN_new");
            assert_eq!(sys::BN_set_bit(p, (LIMBS * 64 - 1) as i32), 1, "BN_set_bit");
            let bn = Bn(p);
            bn.set_limbs(limbs);
            bn
        }
    }

    fn set_limbs(&self, limbs: &Limbs) {
        // SAFETY: only called on `wide` numbers, whose `d` holds LIMBS limbs.
        unsafe {
            assert_eq!((*self.0).width as usize, LIMBS);
            std::ptr::copy_nonoverlapping(limbs.as_ptr(), (*self.0).d, LIMBS);
        }
    }

    /// Little-endian limbs, zero-extended to N's width.
    fn limbs(&self) -> Limbs {
        let mut out = [0u64; LIMBS];
        // SAFETY: `d` holds `width` limbs.
        unsafe {
            let width = ((*self.0).width as usize).min(LIMBS);
            std::ptr::copy_nonoverlapping((*self.0).d, out.as_mut_ptr(), width);
        }
        out
    }
}

impl Drop for Bn {
    fn drop(&mut self) {
        // SAFETY: allocated by BN_bin2bn / BN_new, freed once.
        unsafe { sys::BN_clear_free(self.0) }
    }
}

/// `base^exp mod N`, constant-time in the exponent.
pub fn modpow_n(base: &BigUint, exp: &BigUint) -> BigUint {
    modpow(base, exp, sys::BN_mod_exp_mont_consttime)
}

/// `base^exp mod N` for a public exponent (SRP's `u`, a hash of both public keys): a sliding
/// window, ~20% faster. What it leaks through timing is the exponent's bits, never the base's.
pub fn modpow_n_public_exponent(base: &BigUint, exp: &BigUint) -> BigUint {
    modpow(base, exp, sys::BN_mod_exp_mont)
}

type ModExp = unsafe extern "C" fn(
    *mut sys::BIGNUM,
    *const sys::BIGNUM,
    *const sys::BIGNUM,
    *const sys::BIGNUM,
    *mut sys::BN_CTX,
    *const sys::BN_MONT_CTX,
) -> std::os::raw::c_int;

fn modpow(base: &BigUint, exp: &BigUint, mod_exp: ModExp) -> BigUint {
    let g = &*GROUP;
    let base = if base >= &*crate::srp::N {
        base % &*crate::srp::N
    } else {
        base.clone()
    };
    let (a, p) = (Bn::from(&base), Bn::from(exp));
    // SAFETY: valid BIGNUMs and contexts; the result is checked.
    unsafe {
        let r = Bn(sys::BN_new());
        assert!(!r.0.is_null(), "BN_new");
        let ctx = sys::BN_CTX_new();
        assert!(!ctx.is_null(), "BN_CTX_new");
        let ok = mod_exp(r.0, a.0, p.0, g.n, ctx, g.mont);
        sys::BN_CTX_free(ctx);
        assert_eq!(ok, 1, "BN_mod_exp_mont");
        r.to_biguint()
    }
}

/// Limbs of a number below `N` (3072 bits).
const LIMBS: usize = 48;
/// Exponent bits covered by [`modpow_g`]'s table: SRP's `a`, `b` and `x` (a SHA-256).
const FIXED_EXPONENT_BITS: usize = 256;
/// Bits of the exponent consumed per multiplication.
const WINDOW_BITS: usize = 4;
const WINDOWS: usize = FIXED_EXPONENT_BITS / WINDOW_BITS;
const ENTRIES: usize = 1 << WINDOW_BITS;

type Limbs = [u64; LIMBS];

/// `table[i][j] = g^(j·16^i)` in Montgomery form: `g^e` for a 256-bit `e` is then one
/// multiplication per 4-bit window (64) instead of ~300 squarings and multiplications, with the
/// window's entry read by a constant-time scan of its row (no secret-dependent address).
static G_TABLE: LazyLock<Vec<[Limbs; ENTRIES]>> = LazyLock::new(|| {
    let group = &*GROUP;
    // SAFETY: valid BIGNUMs and contexts, results checked.
    unsafe {
        let ctx = sys::BN_CTX_new();
        assert!(!ctx.is_null(), "BN_CTX_new");
        let to_mont = |n: u32| {
            let plain = Bn::from(&BigUint::from(n));
            let r = Bn(sys::BN_new());
            assert!(!r.0.is_null(), "BN_new");
            assert_eq!(sys::BN_to_montgomery(r.0, plain.0, group.mont, ctx), 1);
            r.limbs()
        };
        let (one, mut base) = (to_mont(1), to_mont(2));
        let (acc, factor) = (Bn::wide(&one), Bn::wide(&one));
        let mut table = Vec::with_capacity(WINDOWS);
        for _ in 0..WINDOWS {
            let mut row = [[0u64; LIMBS]; ENTRIES];
            row[0] = one;
            row[1] = base;
            acc.set_limbs(&base);
            factor.set_limbs(&base);
            for entry in row.iter_mut().skip(2) {
                assert_eq!(
                    sys::BN_mod_mul_montgomery(acc.0, acc.0, factor.0, group.mont, ctx),
                    1
                );
                *entry = acc.limbs();
            }
            // The next row's base: base^16.
            assert_eq!(
                sys::BN_mod_mul_montgomery(acc.0, acc.0, factor.0, group.mont, ctx),
                1
            );
            base = acc.limbs();
            table.push(row);
        }
        sys::BN_CTX_free(ctx);
        table
    }
});

/// `g^exp mod N` (`g = 2`) through the fixed-base table; exponents over 256 bits take
/// [`modpow_n`].
pub fn modpow_g(exp: &BigUint) -> BigUint {
    use subtle::{ConditionallySelectable, ConstantTimeEq};
    let bytes = exp.to_bytes_be();
    if bytes.len() > FIXED_EXPONENT_BITS / 8 {
        return modpow_n(&crate::srp::G, exp);
    }
    let mut padded = [0u8; FIXED_EXPONENT_BITS / 8];
    padded[FIXED_EXPONENT_BITS / 8 - bytes.len()..].copy_from_slice(&bytes);
    let window = |i: usize| {
        let byte = padded[FIXED_EXPONENT_BITS / 8 - 1 - i / 2];
        if i.is_multiple_of(2) {
            byte & 0x0f
        } else {
            byte >> 4
        }
    };
    let select = |row: &[Limbs; ENTRIES], wanted: u8| {
        let mut out = [0u64; LIMBS];
        for (j, entry) in row.iter().enumerate() {
            let hit = (j as u8).ct_eq(&wanted);
            for (o, e) in out.iter_mut().zip(entry) {
                o.conditional_assign(e, hit);
            }
        }
        out
    };
    let (table, group) = (&*G_TABLE, &*GROUP);
    let acc = Bn::wide(&select(&table[0], window(0)));
    let factor = Bn::wide(&[0u64; LIMBS]);
    // SAFETY: valid BIGNUMs of N's width and the group's contexts; results checked.
    unsafe {
        let ctx = sys::BN_CTX_new();
        assert!(!ctx.is_null(), "BN_CTX_new");
        for (i, row) in table.iter().enumerate().skip(1) {
            factor.set_limbs(&select(row, window(i)));
            assert_eq!(
                sys::BN_mod_mul_montgomery(acc.0, acc.0, factor.0, group.mont, ctx),
                1
            );
        }
        let r = Bn(sys::BN_new());
        assert!(!r.0.is_null(), "BN_new");
        assert_eq!(sys::BN_from_montgomery(r.0, acc.0, group.mont, ctx), 1);
        sys::BN_CTX_free(ctx);
        r.to_biguint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_num_bigint() {
        let n = &*crate::srp::N;
        for _ in 0..5 {
            let base = BigUint::from_bytes_be(&crate::crypto::random_bytes(384)) % n;
            let exp = BigUint::from_bytes_be(&crate::crypto::random_bytes(40));
            assert_eq!(modpow_n(&base, &exp), base.modpow(&exp, n));
            assert_eq!(modpow_n_public_exponent(&base, &exp), base.modpow(&exp, n));
        }
        assert_eq!(
            modpow_n(&BigUint::from(2u32), &BigUint::from(10u32)),
            BigUint::from(1024u32)
        );
        assert_eq!(
            modpow_n(&BigUint::from(5u32), &BigUint::from(0u32)),
            BigUint::from(1u32)
        );
        // The fixed-base table agrees, at the edges of its windows too.
        for exp in [
            BigUint::from(0u32),
            BigUint::from(1u32),
            BigUint::from(15u32),
            BigUint::from(16u32),
            (BigUint::from(1u32) << 256) - 1u32,
            BigUint::from_bytes_be(&crate::crypto::random_bytes(32)),
            BigUint::from_bytes_be(&crate::crypto::random_bytes(7)),
            // Over 256 bits: the general path.
            BigUint::from_bytes_be(&crate::crypto::random_bytes(48)),
        ] {
            assert_eq!(
                modpow_g(&exp),
                BigUint::from(2u32).modpow(&exp, n),
                "2^{exp:x}"
            );
        }
        // A base above N is reduced first.
        let big = n + BigUint::from(3u32);
        assert_eq!(modpow_n(&big, &BigUint::from(2u32)), BigUint::from(9u32));
    }
}
