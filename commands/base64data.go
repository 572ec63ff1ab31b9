package commands

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strconv"
)

// decodeBase64Data decodes data given base64-encoded (set -b) as Java's Base64.getDecoder(), which
// zkCli uses, does: the standard alphabet, the padding optional; the blanks around it (a file's last
// newline) are not part of it.
func decodeBase64Data(text []byte) ([]byte, error) {
	text = bytes.TrimSpace(text)
	enc := base64.StdEncoding.Strict()
	if len(text)%4 != 0 {
		enc = base64.RawStdEncoding.Strict()
	}
	out := make([]byte, enc.DecodedLen(len(text)))
	n, err := enc.Decode(out, text)
	var ce base64.CorruptInputError
	if errors.As(err, &ce) {
		return nil, errors.New("bad character or length at byte " + strconv.FormatInt(int64(ce), 10))
	}
	if err != nil {
		return nil, err
	}
	return out[:n], nil
}
