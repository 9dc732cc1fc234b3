import { describe, expect, test } from 'vitest'
import { clock, dateline, longDay, parseDay, stamp, when } from '../src/lib/format'

describe('format', () => {
  test('long day names in Indonesian and English', () => {
    expect(longDay('2019-08-21', 'id')).toBe('Rabu, 21 Agustus 2019')
    expect(longDay('2019-08-21', 'en')).toBe('Wednesday, 21 August 2019')
  })

  test('clock uses the period in Indonesian', () => {
    const at = new Date(2026, 10, 26, 10, 42)
    expect(clock(at, 'id')).toBe('10.42')
    expect(clock(at, 'en')).toBe('10:42')
  })

  test('parseDay rejects impossible days', () => {
    expect(parseDay('2019-02-30')).toBeUndefined()
    expect(parseDay('21/8/2019')).toBeUndefined()
    expect(parseDay('2019-08-21')?.toISOString()).toBe('2019-08-21T00:00:00.000Z')
    expect(longDay('', 'id')).toBe('')
  })

  test('when shows the clock today and the date before', () => {
    const now = new Date(2026, 10, 26, 15, 0)
    expect(when(new Date(2026, 10, 26, 9, 5).toISOString(), 'id', now)).toBe('09.05')
    expect(when(new Date(2026, 7, 17, 9, 5).toISOString(), 'id', now)).toBe('17 Agu')
    expect(when(new Date(2019, 7, 21).toISOString(), 'en', now)).toBe('21 Aug 2019')
    expect(when('nonsense', 'en', now)).toBe('')
  })

  test('stamp adds the date before today', () => {
    const now = new Date(2026, 10, 26, 15, 0)
    expect(stamp(new Date(2026, 10, 26, 9, 5).toISOString(), 'id', now)).toBe('09.05')
    expect(stamp(new Date(2026, 7, 17, 9, 5).toISOString(), 'id', now)).toBe('17 Agu 09.05')
  })

  test('dateline in house style', () => {
    expect(dateline('Jakarta', 'Humas')).toBe('Jakarta, Humas –')
    expect(dateline(' Gorontalo ', '')).toBe('Gorontalo –')
    expect(dateline('', '')).toBe('')
  })
})
