package locale

import "testing"

func TestMatch(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{[]string{"id_ID.UTF-8"}, "id"},
		{[]string{"en_US.UTF-8"}, "en"},
		{[]string{"en-GB"}, "en"},
		{[]string{"id-ID"}, "id"},
		{[]string{"in_ID"}, "id"}, // Java's old code for Indonesian
		{[]string{"ms_MY"}, "id"},
		{[]string{"fr_FR", "en_US"}, "en"},
		{[]string{"C"}, Default},
		{[]string{"C.UTF-8", "POSIX"}, Default},
		{nil, Default},
	}
	for _, tc := range tests {
		if got := Match(tc.in); got != tc.want {
			t.Errorf("Match(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
