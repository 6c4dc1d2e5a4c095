package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/mr-tron/base58"
)

// identity is a Solana wallet used as a libp2p identity: the 64-byte Solana secret key is
// a 32-byte Ed25519 seed followed by its 32-byte public key, and the libp2p key is that
// same Ed25519 key, so the PeerId is the identity multihash of the wallet's public key.
type identity struct {
	privKey crypto.PrivKey
	peerID  peer.ID
	wallet  string
}

// parseSecretKey accepts a base58 string of 64 bytes or solana-keygen's JSON byte array.
func parseSecretKey(input string) (*identity, error) {
	input = strings.TrimSpace(input)
	if input == "" {
		return nil, errors.New("secret key is empty")
	}
	var secret []byte
	if strings.HasPrefix(input, "[") {
		var arr []int
		if err := json.Unmarshal([]byte(input), &arr); err != nil {
			return nil, errors.New("secret key: not a JSON byte array")
		}
		secret = make([]byte, len(arr))
		for i, v := range arr {
			if v < 0 || v > 255 {
				return nil, fmt.Errorf("secret key: byte %d is out of range", i)
			}
			secret[i] = byte(v)
		}
	} else {
		decoded, err := base58.Decode(input)
		if err != nil {
			return nil, errors.New("secret key: not valid base58")
		}
		secret = decoded
	}
	if len(secret) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("secret key: expected %d bytes, got %d", ed25519.PrivateKeySize, len(secret))
	}
	// Derive from the seed and check that the second half is its public key:
	// a key whose halves do not match would sign with one key and claim another.
	derived := ed25519.NewKeyFromSeed(secret[:ed25519.SeedSize])
	if !bytes.Equal(derived[ed25519.SeedSize:], secret[ed25519.SeedSize:]) {
		return nil, errors.New("secret key: the last 32 bytes are not the public key of the first 32")
	}
	priv, err := crypto.UnmarshalEd25519PrivateKey(derived)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	id, err := peer.IDFromPrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	return &identity{privKey: priv, peerID: id, wallet: base58.Encode(secret[ed25519.SeedSize:])}, nil
}

// readSecretKey takes the key from --key, else from --key-file, else from $WALLET_PRIVATE_KEY
// (the environment keeps the secret out of the process list).
func readSecretKey(flagValue, file string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("key file: %w", err)
		}
		return string(b), nil
	}
	if v := os.Getenv("WALLET_PRIVATE_KEY"); v != "" {
		return v, nil
	}
	return "", errors.New("no secret key: pass --key, --key-file or set WALLET_PRIVATE_KEY")
}

// walletToPeerID maps a base58 wallet (Ed25519 public key) to its PeerId.
func walletToPeerID(wallet string) (peer.ID, error) {
	raw, err := base58.Decode(strings.TrimSpace(wallet))
	if err != nil {
		return "", fmt.Errorf("wallet %q: not valid base58", wallet)
	}
	if len(raw) != ed25519.PublicKeySize {
		return "", fmt.Errorf("wallet %q: expected %d bytes, got %d", wallet, ed25519.PublicKeySize, len(raw))
	}
	if isSmallOrderPoint(raw) {
		return "", fmt.Errorf("wallet %q: a small-order point, not a wallet: no one holds its key, and crypto/ed25519 accepts signatures under it that anyone can make", wallet)
	}
	pub, err := crypto.UnmarshalEd25519PublicKey(raw)
	if err != nil {
		return "", fmt.Errorf("wallet %q: %w", wallet, err)
	}
	return peer.IDFromPublicKey(pub)
}

// peerIDToWallet reads the wallet back from an Ed25519 PeerId without a network call.
func peerIDToWallet(id peer.ID) (string, error) {
	pub, err := id.ExtractPublicKey()
	if err != nil {
		return "", err
	}
	if pub.Type() != crypto.Ed25519 {
		return "", errors.New("not an Ed25519 PeerId")
	}
	raw, err := pub.Raw()
	if err != nil {
		return "", err
	}
	return base58.Encode(raw), nil
}

// smallOrderY holds the encodings, sign bit cleared, of the eight small-order points of
// edwards25519, canonical or not: y = 0 (order 4), 1 (the identity), the two y of order 8, p - 1
// (order 2), and p, p + 1 (0 and 1 again); libsodium's ge25519_has_small_order checks the same list.
var smallOrderY = func() [][]byte {
	encodings := []string{
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	}
	out := make([][]byte, len(encodings))
	for i, e := range encodings {
		out[i], _ = hex.DecodeString(e)
	}
	return out
}()

// isSmallOrderPoint reports whether 32 bytes encode a small-order edwards25519 point (either sign).
// crypto/ed25519 accepts signatures that anyone can make under such a key (the identity point with
// R = [s]B, S = s), which libsodium and OpenSSL 3.5 refuse (libp2p/specs#593): it is never a wallet,
// here as in the TypeScript gater.
func isSmallOrderPoint(b []byte) bool {
	if len(b) != ed25519.PublicKeySize {
		return false
	}
	for _, y := range smallOrderY {
		if bytes.Equal(b[:31], y[:31]) && b[31]&0x7f == y[31] {
			return true
		}
	}
	return false
}
