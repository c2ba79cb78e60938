//! Modular exponentiation modulo the SRP group prime on AWS-LC's `BIGNUM`
//! (`BN_mod_exp_mont_consttime`): constant-time in the exponent, and an order of magnitude
//! faster than num-bigint for 3072-bit numbers. num-bigint stays the representation.

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

impl Drop for Bn {
    fn drop(&mut self) {
        // SAFETY: allocated by BN_bin2bn / BN_new, freed once.
        unsafe { sys::BN_clear_free(self.0) }
    }
}

/// `base^exp mod N`.
pub fn modpow_n(base: &BigUint, exp: &BigUint) -> BigUint {
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
        let ok = sys::BN_mod_exp_mont_consttime(r.0, a.0, p.0, g.n, ctx, g.mont);
        sys::BN_CTX_free(ctx);
        assert_eq!(ok, 1, "BN_mod_exp_mont_consttime");
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
        }
        assert_eq!(
            modpow_n(&BigUint::from(2u32), &BigUint::from(10u32)),
            BigUint::from(1024u32)
        );
        assert_eq!(
            modpow_n(&BigUint::from(5u32), &BigUint::from(0u32)),
            BigUint::from(1u32)
        );
        // A base above N is reduced first.
        let big = n + BigUint::from(3u32);
        assert_eq!(modpow_n(&big, &BigUint::from(2u32)), BigUint::from(9u32));
    }
}
