package natsbus

import (
	"encoding/binary"
	"errors"
)

// errMalformed is decode's error for a message no Bus sent.
var errMalformed = errors.New("natsbus: malformed message")

// encode returns a message carrying channel and payload: the channel's
// length as a uvarint, the channel, then the payload.
func encode(channel, payload []byte) []byte {
	b := make([]byte, 0, binary.MaxVarintLen64+len(channel)+len(payload))
	b = binary.AppendUvarint(b, uint64(len(channel)))
	b = append(b, channel...)
	return append(b, payload...)
}

// decode splits a message made by encode. The results share msg's memory.
func decode(msg []byte) (channel, payload []byte, err error) {
	n, k := binary.Uvarint(msg)
	if k <= 0 || n > uint64(len(msg)-k) {
		return nil, nil, errMalformed
	}
	rest := msg[k:]
	return rest[:n], rest[n:], nil
}
