import json,re,collections,sys
rows=collections.defaultdict(collections.Counter); elu=collections.defaultdict(list)
for l in open(sys.argv[1]):
    m=re.match(r'CHURN t=(\d+) (.*)',l)
    t=int(m.group(1)); t=(t//10)*10
    d=json.loads(m.group(2)); 
    if 'elu%' in d: elu[t].append(d.pop('elu%'))
    rows[t].update(d)
keys=collections.Counter()
for t in rows: keys.update(rows[t])
ts=sorted(rows)
print('times ', ' '.join(f"{t:5d}" for t in ts))
print('elu    ', ' '.join(f"{round(sum(elu[t])/max(1,len(elu[t]))):5d}" for t in ts))
for k,_ in keys.most_common(int(sys.argv[2]) if len(sys.argv)>2 else 45):
    print(f"{sum(rows[t][k] for t in ts):6d} ", ' '.join(f"{rows[t][k]:5d}" for t in ts), k[:220])
