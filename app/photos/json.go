package photos

import (
	"encoding/json"
	"fmt"
)

func unmarshal(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("photo library record damaged: %w", err)
	}
	return nil
}
